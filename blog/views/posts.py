"""A post's page, for readers and, as a preview, for staff and share links."""

from django.http import Http404
from django.views.generic import DetailView

from .. import breadcrumbs, fragments, freshness, previews
from ..caching import get_or_compute
from ..content.language import DEFAULT_LANGUAGE, og_locale
from ..models.nearby import neighbours, related_posts
from .base import PublicPageMixin, published_posts

RELATED_POSTS = 5


class PostDetailView(PublicPageMixin, DetailView):
    """A published post; for staff, also a draft, review or scheduled post as a preview."""

    template_name = "blog/post_detail.html"
    context_object_name = "post"

    def dispatch(self, request, *args, **kwargs):
        # The staff branch comes before conditional GET (blog.freshness): a preview must never
        # be a 304. Readers without a session cookie skip it at no cost.
        if request.method in ("GET", "HEAD") and previews.may_be_staff(request):
            post = previews.unpublished_post(request.user, kwargs["slug"])
            if post is not None:
                return self.render_preview(post, previews.staff_preview(post))
        return super().dispatch(request, *args, **kwargs)

    def render_preview(self, post, preview, **context):
        """The post page with the preview banner: noindex, private, uncached, no validators."""
        self.object = post
        context = self.get_context_data(object=post, preview=preview, noindex=True, **context)
        return previews.make_private(self.render_to_response(context))

    def get_queryset(self):
        # The page shows body_html, never the Markdown source or the health data.
        return published_posts().defer("body", "health_findings", "front_matter")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        links = self.links if "preview" not in context else self.find_links
        context["previous_post"], context["next_post"], context["related_posts"] = links()
        context.update(fragments.post_page(self.request, context))  # the cached pieces
        # The page's lang and og:locale (base.html) are the post's: NULL until its next save
        # derives it, which is Japanese, the site's language.
        context["page_language"] = self.object.language or DEFAULT_LANGUAGE
        context["page_locale"] = og_locale(context["page_language"])
        # Outside the cached article: a post's path shows its categories' parents, which its
        # own key does not cover (a renamed parent moves the site's stamp, not the post).
        context["breadcrumbs"] = breadcrumbs.for_post(self.request, self.object)
        return context

    def find_links(self) -> tuple:
        """The posts this one points to: the previous and next, and the related ones."""
        return (*neighbours(self.object), related_posts(self.object, RELATED_POSTS))

    def links(self) -> tuple:
        """find_links(), kept under the site's stamp: any post published, edited or retagged
        anywhere may change them, and moves the stamp. The related posts of a post with big
        tags cost 21 ms at 100,000 posts, and did on every miss of its page."""
        key = f"blog:post-links:{freshness.state(self.request).key}:{self.object.pk}"
        return get_or_compute(key, self.find_links, timeout=3600)


class PreviewLinkView(PostDetailView):
    """A share link: the post in any state, for whoever holds the token, until it expires or
    is revoked. Unknown, expired and revoked tokens get the same 404."""

    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        link = previews.active_link(kwargs["token"])
        if link is None:
            raise Http404("No such preview")
        post = link.post
        # The canonical URL is the post's own: the token appears in no link or meta tag.
        canonical = request.build_absolute_uri(post.get_absolute_url())
        response = self.render_preview(post, previews.shared_preview(link), canonical_url=canonical)
        # Links in the post must not carry the token away in a Referer header.
        response["Referrer-Policy"] = "no-referrer"
        return response
