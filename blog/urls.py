from django.urls import include, path

from . import feeds, views

app_name = "blog"
urlpatterns = [
    path("", views.HomeView.as_view(), name="post_list"),
    path("posts/<uslug:slug>/", views.PostDetailView.as_view(), name="post_detail"),
    path("preview/<ptoken:token>/", views.PreviewLinkView.as_view(), name="preview_link"),
    path("categories/", views.CategoryListView.as_view(), name="category_list"),
    path("categories/<uslug:slug>/", views.CategoryDetailView.as_view(), name="category_detail"),
    path("tags/", views.TagListView.as_view(), name="tag_list"),
    path("tags/<uslug:slug>/", views.TagDetailView.as_view(), name="tag_detail"),
    path("authors/<uslug:slug>/", views.AuthorDetailView.as_view(), name="author_detail"),
    path("archive/<yyyy:year>/", views.YearArchiveView.as_view(), name="year_archive"),
    path("archive/<yyyy:year>/<mm:month>/", views.MonthArchiveView.as_view(), name="month_archive"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("opensearch.xml", views.OpenSearchView.as_view(), name="opensearch"),
    path("", include(feeds.urlpatterns)),
]
