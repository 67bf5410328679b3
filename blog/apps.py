from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"
    verbose_name = "ブログ"

    def ready(self):
        # Everything the app hooks into Django, in one place rather than as import side effects.
        from . import (
            redirects,  # noqa: F401  (its signal receivers record old post URLs on slug changes)
            revisions,  # noqa: F401  (registers the models with django-reversion)
        )
        from .converters import register_converters
        from .freshness import connect_signals
        from .roles import sync_roles
        from .search.backends import register_lookups
        from .websub import connect_signals as connect_websub

        register_converters()  # uslug, yyyy, mm, ptoken for blog/urls.py
        register_lookups()  # tokens__rowmatch for the search engine
        connect_signals()  # every change to what readers see moves the site's stamp
        connect_websub()  # publishing tells the WebSub hub, when there is one
        post_migrate.connect(sync_roles, sender=self, dispatch_uid="blog.roles.sync_roles")
