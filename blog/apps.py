from django.apps import AppConfig


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"
    verbose_name = "ブログ"

    def ready(self):
        from . import (
            redirects,  # noqa: F401  (records old post URLs on slug changes)
            revisions,  # noqa: F401  (registers the models with django-reversion)
        )
