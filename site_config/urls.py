import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps_views
from django.templatetags.static import static as static_url
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView, TemplateView

from blog.images.serving import serve_media
from blog.pagecache import public_page
from blog.sitemaps import section as sitemap_section
from blog.sitemaps import sitemaps

# A database that cannot be reached is a 503 in the site's design, anything else the 500 page.
handler500 = "blog.errors.server_error"

admin.site.site_header = admin.site.site_title = f"{settings.BLOG['SITE_NAME']} 編集"
admin.site.index_title = "記事の管理"

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),  # DJANGO_ADMIN_URL, `admin/` by default
    # The index lists each section, and its `?p=2`... pages once a section passes the
    # sitemap limit (50,000 URLs); the section view serves those pages.
    path(
        "sitemap.xml",
        public_page(sitemaps_views.index),
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        public_page(sitemap_section),  # Django's view, written without its template
        name="sitemap_section",
    ),
    path(
        "robots.txt",
        # Settings alone make it (the admin's path): cacheable by anyone, without the database.
        cache_control(public=True, max_age=3600)(
            TemplateView.as_view(template_name="robots.txt", content_type="text/plain")
        ),
        name="robots_txt",
    ),
    # Browsers and feed readers ask for /favicon.ico whatever the page links to.
    path(
        "favicon.ico",
        RedirectView.as_view(get_redirect_url=lambda: static_url("blog/favicon.svg")),
        name="favicon",
    ),
    path("", include("blog.urls")),
]

# Uploads, renditions and cards, served by the app too when no nginx is in front (which
# serves /media/ itself, docs/nginx.conf), with far-future headers for hashed names.
urlpatterns.insert(
    0,
    re_path(
        rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$",
        serve_media,
        name="media",
    ),
)
