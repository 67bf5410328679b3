"""The desk's dashboard, on the admin's home page: what needs doing, before the list of models.

Posts waiting for review (oldest submission first, with who submitted them), scheduled posts
with their times, live posts with health errors and then warnings, the latest edits and who
made them, and drafts by author; each section with its count and a link to the post list
filtered to the same posts. A writer sees their own posts; an editor the whole desk's.

The page makes the same number of queries whatever the number of posts: one aggregate for the
counts, one query per section for its first rows (the submitter comes in a subquery).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import CharField, Count, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from ..models import SCHEDULED_LABEL, Post, PostAuthor
from ..revisions import SUBMITTED
from ..roles import can_publish

SHOWN = 8  # rows a section lists; its count and link cover the rest


@dataclass
class Section:
    kind: str  # which rows it lists: its template's part (templates/admin/index.html)
    title: str
    count: int | None  # None: a running list (the latest edits), not a to-do
    rows: list
    url: str  # the post list, filtered to the section's posts
    empty: str  # what the section says when there is nothing to do
    detail: str = ""


def _changelist(**params) -> str:
    url = reverse("admin:blog_post_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _revisions():
    """A post's revisions, newest first, as a subquery on posts (reversion keeps the object's
    id as text). get_for_model() names the database too: reversion's index starts with it."""
    return (
        Version.objects.get_for_model(Post)
        .filter(object_id=Cast(OuterRef("pk"), CharField()))
        .order_by("-revision__date_created")
    )


def _submissions():
    """A post's submissions for review, newest first."""
    return _revisions().filter(revision__comment__startswith=SUBMITTED)


def _own(posts, user):
    """The posts in `user`'s byline: a writer's dashboard shows their own work."""
    return posts.filter(pk__in=PostAuthor.objects.filter(author__user=user).values("post"))


def dashboard(user) -> list[Section]:
    now = timezone.now()
    desk = can_publish(user)
    posts = Post.objects.all() if desk else _own(Post.objects.all(), user)
    # Not deferred: the rows show only titles and dates, but `defer` would load the post's
    # big columns one query a row if a template touched them.
    light = posts.only("pk", "title", "status", "published_at", "updated_at", "health")
    live = Post.objects.live(now)
    counts = posts.aggregate(
        review=Count("pk", filter=Q(status=Post.Status.REVIEW)),
        scheduled=Count("pk", filter=Post.objects.due_later(now)),
        errors=Count("pk", filter=live & Q(health=Post.Health.ERROR)),
        warnings=Count("pk", filter=live & Q(health=Post.Health.WARNING)),
        drafts=Count("pk", filter=Q(status=Post.Status.DRAFT)),
    )
    submitted = _submissions()
    review = (
        light.filter(status=Post.Status.REVIEW)
        .annotate(
            submitted_at=Subquery(submitted.values("revision__date_created")[:1]),
            submitted_by=Subquery(submitted.values("revision__user__username")[:1]),
            # A post can reach review without a submission: an import holds a post with health
            # errors there (import_jekyll --hold-unhealthy). Its latest revision says so.
            last_by=Subquery(_revisions().values("revision__user__username")[:1]),
            last_comment=Subquery(_revisions().values("revision__comment")[:1]),
        )
        .order_by(F("submitted_at").asc(nulls_first=True), "updated_at")[:SHOWN]
    )
    unhealthy = (
        light.published(at=now)
        .exclude(health=Post.Health.OK)
        # Errors first: "error" sorts before "warning".
        .order_by("health", "-published_at")[:SHOWN]
    )
    # The newest revisions of posts, read from reversion's tables: ordering every post by its
    # newest revision would run a subquery for each of 100,000 posts.
    recent = (
        Version.objects.get_for_model(Post)
        .select_related("revision__user")
        .order_by("-revision__date_created")
    )
    if not desk:
        recent = recent.filter(object_id__in=posts.values(pk_text=Cast("pk", CharField())))
    drafts = (
        PostAuthor.objects.filter(post__in=posts.filter(status=Post.Status.DRAFT))
        .values("author_id", "author__name")
        .annotate(drafts=Count("post"), newest=Max("post__updated_at"))
        .order_by("-drafts", "author__name")[:SHOWN]
    )
    health = {"publication": "live", "health__exact": Post.Health.ERROR}
    if not counts["errors"] and counts["warnings"]:
        health["health__exact"] = Post.Health.WARNING
    scheduled = light.scheduled(at=now).order_by("published_at")[:SHOWN]
    return [
        Section(
            "review", "レビュー待ち", counts["review"], list(review),
            _changelist(status__exact=Post.Status.REVIEW), "レビュー待ちの記事はありません。",
        ),
        Section(
            "scheduled", SCHEDULED_LABEL, counts["scheduled"], list(scheduled),
            _changelist(publication="scheduled"), "予約中の記事はありません。",
        ),
        Section(
            "health", "公開中で指摘のある記事", counts["errors"] + counts["warnings"], list(unhealthy),
            _changelist(**health), "公開中の記事に指摘はありません。",
            detail=f"要修正 {counts['errors']} 件・注意 {counts['warnings']} 件",
        ),
        Section(
            "recent", "最近の編集", None, list(recent[:SHOWN]), _changelist(), "まだ編集の記録はありません。"
        ),
        Section(
            "drafts", "下書き（著者別）", counts["drafts"],
            [
                {**row, "url": _changelist(
                    status__exact=Post.Status.DRAFT, authors__id__exact=row["author_id"]
                )}
                for row in drafts
            ],
            _changelist(status__exact=Post.Status.DRAFT), "下書きはありません。",
        ),
    ]  # fmt: skip
