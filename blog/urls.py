from django.urls import path, register_converter

from . import views


class UnicodeSlugConverter:
    """Slugs with Japanese letters: Django's `slug` converter is ASCII-only."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")

app_name = "blog"
urlpatterns = [
    path("", views.PostListView.as_view(), name="post_list"),
    path("posts/<uslug:slug>/", views.PostDetailView.as_view(), name="post_detail"),
]
