"""Public pages. Every queryset starts from Post.objects.published()."""

from django.conf import settings
from django.views.generic import DetailView, ListView

from .models import Post


class PublishedPostMixin:
    """The one place the public pages get their posts from."""

    def get_queryset(self):
        return Post.objects.published().with_relations()


class PostListView(PublishedPostMixin, ListView):
    template_name = "blog/post_list.html"
    context_object_name = "posts"
    paginate_by = settings.BLOG["POSTS_PER_PAGE"]


class PostDetailView(PublishedPostMixin, DetailView):
    template_name = "blog/post_detail.html"
    context_object_name = "post"
