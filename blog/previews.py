"""Previews of posts readers cannot see yet.

Two ways in, both separate from the public rule (`Post.objects.published()`), which they never
widen:
- staff (is_staff and `blog.view_post`) open a draft, a post in review or a scheduled post at
  its real URL (PostDetailView);
- a reviewer without an account opens a share link, `/preview/<token>/` (PreviewLinkView).

A preview is never cached or indexed: `Cache-Control: no-cache, no-store, private`, a robots
noindex, and no ETag/Last-Modified (blog.freshness is skipped, so no 304 can answer for it).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.cache import add_never_cache_headers

from .models import Post, PreviewLink
from .roles import can_preview

STAFF_LABEL = "プレビュー"
SHARED_LABEL = "共有プレビュー"


@dataclass(frozen=True)
class Preview:
    """What the preview banner says (templates/base.html)."""

    label: str
    state: str
    published: bool
    scheduled_for: datetime | None = None
    expires_at: datetime | None = None
    shared: bool = False


def _preview(post: Post, **kwargs) -> Preview:
    return Preview(
        state=post.state_label,
        published=post.is_published,
        scheduled_for=post.published_at if post.is_scheduled else None,
        **kwargs,
    )


def staff_preview(post: Post) -> Preview:
    return _preview(post, label=STAFF_LABEL)


def shared_preview(link: PreviewLink) -> Preview:
    return _preview(link.post, label=SHARED_LABEL, expires_at=link.expires_at, shared=True)


def may_be_staff(request) -> bool:
    """Cheap first test: without a session cookie nobody is logged in. Readers' requests then
    never load the session (no query, no `Vary: Cookie` on public pages)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def unpublished_post(user, slug: str) -> Post | None:
    """The post at `slug` if `user` may preview it and readers cannot see it; else None (the
    public view then answers: the normal page, or 404)."""
    if not can_preview(user):
        return None
    hidden = Post.objects.exclude(pk__in=Post.objects.published().values("pk"))
    # Not another writer's draft: the same rule as the admin's (PostQuerySet.readable_by).
    return hidden.readable_by(user).with_relations().filter(slug=slug).first()


def active_link(token: str) -> PreviewLink | None:
    """The active link with this token and its post (relations prefetched), or None: unknown,
    expired and revoked tokens are not told apart."""
    link = PreviewLink.objects.active().filter(token=token).first()
    if link is not None:
        link.post = Post.objects.with_relations().get(pk=link.post_id)
    return link


def create_preview_link(post: Post, user=None) -> PreviewLink:
    """A new share link for `post`, valid for PREVIEW_LINK_DAYS days."""
    creator = user if user is not None and user.is_authenticated else None
    return PreviewLink.objects.create(post=post, created_by=creator)


def make_private(response):
    """Nobody caches it, nobody answers 304 for it."""
    for header in ("ETag", "Last-Modified"):
        if header in response:
            del response[header]
    add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
    return response
