"""Social cards: the 1200×630 picture a shared link shows (og:image, twitter:image).

A post with a cover shares the cover's card rendition (blog/images, made at upload). Every
post also gets a card drawn here, at save time, with its title, primary category and the
site's name, in the font committed under fonts/ (scripts/subset-font): pages never draw.

A card is stored under a name made from the digest of what it shows (title, category, site
name, the design's version), so the name is the content's: the same post saved again (a
status change, a bulk publish) finds its card already named and draws nothing, and a new
title gets a new file that caches may keep forever. Categories are written after the post
row (the admin's inlines, set_categories()), so the card is made when the save's
transaction commits, from what the database then holds: `schedule_card()` in Post.save()
and set_categories(). A renamed category or a new design makes cards stale without a save:
`manage.py make_cards` remakes those (run it after a deploy).
"""

import hashlib
import io
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.templatetags.static import static
from PIL import Image as Picture
from PIL import ImageColor, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from . import card_rendition, rendition_url
from .cardtext import covered_text, fit

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
# Bump when the drawing, the font or the layout changes: every card's name changes with it,
# so make_cards (and each post's next save) draws them again.
DESIGN = "1"
FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansJP-Bold-subset.otf"
SITE_CARD = "blog/card.png"  # a static file, made by `manage.py make_cards --site`
SITE_CARD_PATH = Path(__file__).resolve().parent.parent / "static" / SITE_CARD
# PNG text key that records what a card shows (its name's digest): the site card's test
# reads it to prove the committed file is the one this code would make.
DIGEST_KEY = "card-digest"

# The design: a white sheet on the desk's ink, the category in the accent colour, the
# title large, a rule and the site's name at the foot (the site's CSS colours).
INK, PAPER, TEXT, MUTED, ACCENT, LINE = (
    "#1f2328", "#ffffff", "#1f2328", "#57606a", "#b35900", "#d0d7de",
)  # fmt: skip
FRAME, RADIUS, PAD = 36, 28, 72
SHEET = (FRAME, FRAME, WIDTH - FRAME, HEIGHT - FRAME)
TEXT_WIDTH = WIDTH - 2 * (FRAME + PAD)
TITLE_SIZES = (68, 62, 56, 52, 48, 44)
TITLE_LINES = 3
TITLE_LEADING = 1.42
LABEL_SIZE, SITE_SIZE = 30, 30


@dataclass(frozen=True)
class ShareImage:
    """What og:image and twitter:image say of a picture: its site-relative URL and size."""

    url: str
    width: int
    height: int
    alt: str


@cache
def _palette() -> Picture.Image:
    """Every colour a card holds: each ink blended into the paper in 50 steps (the type's
    anti-aliased edges). Mapping to these is exact and ten times faster than quantising."""
    paper = ImageColor.getrgb(PAPER)
    colours = []
    for ink in (INK, TEXT, MUTED, ACCENT, LINE):
        ink = ImageColor.getrgb(ink)
        colours += [
            tuple(round(i + (p - i) * step / 50) for i, p in zip(ink, paper, strict=True))
            for step in range(51)
        ]
    colours = list(dict.fromkeys(colours))[:256]
    palette = Picture.new("P", (1, 1))
    palette.putpalette([value for colour in colours for value in colour])
    return palette


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


@cache
def _notdef() -> bytes:
    """The face's missing-glyph box, drawn: a character that draws the same is not there."""
    return bytes(font(24).getmask("\ue000"))  # a private-use code no font of ours maps


@cache
def has_glyph(char: str) -> bool:
    """Whether the committed face draws `char` (a space draws nothing, and is there)."""
    return char.isspace() or bytes(font(24).getmask(char)) != _notdef()


def _measurer(size: int):
    return font(size).getlength


def card_digest(title: str, category: str | None, site_name: str) -> str:
    return hashlib.blake2b(
        repr((DESIGN, site_name, title, category or "")).encode(), digest_size=16
    ).hexdigest()


def card_name(title: str, category: str | None, site_name: str | None = None) -> str:
    """The storage path of the card showing these: content-addressed, two-level fan-out so
    that no directory holds every card of a big site."""
    digest = card_digest(title, category, site_name or settings.BLOG["SITE_NAME"])
    return f"cards/{digest[:2]}/{digest}.png"


def render_card(title: str, category: str | None, site_name: str | None = None) -> bytes:
    """The card as PNG bytes: the category (if any) above the title, wrapped at phrase
    boundaries into at most three lines (smaller type, then an ellipsis, for a long one),
    and the site's name at the foot."""
    site_name = site_name or settings.BLOG["SITE_NAME"]
    picture = Picture.new("RGB", (WIDTH, HEIGHT), INK)
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle(SHEET, RADIUS, fill=PAPER)
    left, top = FRAME + PAD, FRAME + PAD - 8
    bottom = HEIGHT - FRAME - PAD + 16

    label = covered_text(category or "", has_glyph)
    if label:
        # An accent bar, then the category: the eyebrow of the site's article header.
        draw.rectangle((left, top + 4, left + 8, top + LABEL_SIZE + 6), fill=ACCENT)
        label_font = font(LABEL_SIZE)
        line = fit(label, TEXT_WIDTH - 28, 1, (LABEL_SIZE,), _measurer)[1][0]
        draw.text((left + 24, top), line, font=label_font, fill=ACCENT)

    # The foot: a hairline across the sheet, the site's name under it on the left.
    rule_y = bottom - SITE_SIZE - 28
    draw.line((left, rule_y, WIDTH - FRAME - PAD, rule_y), fill=LINE, width=2)
    name = fit(covered_text(site_name, has_glyph), TEXT_WIDTH, 1, (SITE_SIZE,), _measurer)[1]
    draw.text((left, rule_y + 22), name[0] if name else "", font=font(SITE_SIZE), fill=MUTED)

    # The title, centred vertically between the eyebrow and the rule.
    text = covered_text(title, has_glyph) or "（無題）"
    size, lines = fit(text, TEXT_WIDTH, TITLE_LINES, TITLE_SIZES, _measurer)
    leading = round(size * TITLE_LEADING)
    area_top = top + LABEL_SIZE + 36
    block = leading * (len(lines) - 1) + size
    y = area_top + max(0, (rule_y - 36 - area_top - block) // 2)
    for line in lines:
        # Pillow places text by its ascender; "ls" anchors at the baseline instead, which
        # keeps Latin and kana lines on the same grid.
        draw.text((left, y + round(size * 0.88)), line, font=font(size), fill=TEXT, anchor="ls")
        y += leading

    info = PngInfo()
    info.add_text(DIGEST_KEY, card_digest(title, category, site_name))
    out = io.BytesIO()
    # A few flat colours and anti-aliased type: as a palette image the PNG is a third of
    # the size of full RGB, and faster to compress.
    picture.quantize(palette=_palette(), dither=Picture.Dither.NONE).save(
        out, "PNG", pnginfo=info, compress_level=6
    )
    return out.getvalue()


def ensure_card(title: str, category: str | None) -> str:
    """The storage path of the card for these, drawn and stored unless already there."""
    name = card_name(title, category)
    if not default_storage.exists(name):
        # Another process may store the same card meanwhile: the storage then picks another
        # name, which is as good (the same bytes); the next check finds the first one.
        name = default_storage.save(name, ContentFile(render_card(title, category)))
    return name


# Who may share what -------------------------------------------------------------------


def post_share_image(post) -> ShareImage | None:
    """The picture a shared link to `post` shows: the cover's card rendition (or the cover
    itself while its renditions are not made), else the generated card; None when the post
    has neither yet (callers then use the site's card)."""
    image = post.cover if post.cover_id else None
    if image is not None:
        entry = card_rendition(image)
        if entry is not None:
            return ShareImage(rendition_url(entry), entry["width"], entry["height"], image.alt)
        if image.file:
            return ShareImage(image.file.url, image.width, image.height, image.alt)
    if post.social_card:
        alt = f"{post.title}（{settings.BLOG['SITE_NAME']}）"
        return ShareImage(default_storage.url(post.social_card), WIDTH, HEIGHT, alt)
    return None


def site_share_image() -> ShareImage:
    name = settings.BLOG["SITE_NAME"]
    return ShareImage(site_card_url(), WIDTH, HEIGHT, name)


def site_card_url() -> str:
    """The site's own card (home, category, tag and author pages): a static file, so its
    URL is stable and its name hashed by collectstatic."""
    return static(SITE_CARD)


def site_card_inputs() -> tuple[str, None]:
    """What the site card shows: the site's description as its title (the name is at the
    foot of every card), no category."""
    return settings.BLOG["SITE_DESCRIPTION"], None


def render_site_card() -> bytes:
    return render_card(*site_card_inputs())


# Making cards when posts change -------------------------------------------------------


class _CardBatch:
    """The posts a transaction saved, whose cards are checked together when it commits: one
    query for all of them (a bulk publish of 100 posts reads them at once)."""

    def __init__(self, using):
        self.using, self.posts = using, {}

    def __call__(self):
        posts, self.posts = self.posts, {}
        if posts:  # the batch's later registrations find it done
            refresh_cards(posts, using=self.using)


def schedule_card(post, using=None) -> None:
    """Check the post's card when the current transaction commits (now, outside one).

    The post joins the transaction's batch, which is registered again with each save: Django
    drops the callbacks of a savepoint rolled back, and runs those of the rest (a test's
    captured callbacks too), the first run checking every post of the batch and the others
    finding it empty. A post rolled back with its savepoint is read again and found gone."""
    connection = transaction.get_connection(using)
    batch = None
    if connection.in_atomic_block:
        batch = next(
            (c for _s, c, _r in reversed(connection.run_on_commit) if isinstance(c, _CardBatch)),
            None,
        )
    batch = batch or _CardBatch(connection.alias)
    batch.posts.setdefault(post.pk, post)
    # robust: a card that cannot be drawn is logged and never turns a save into an error.
    transaction.on_commit(batch, using=connection.alias, robust=True)


def stale_cards(posts_by_pk: dict, using=None) -> list[tuple]:
    """(pk, title, primary category name) of those posts whose stored card does not show
    what they now hold: one query, whatever the number."""
    from django.db.models import OuterRef, Subquery

    from ..models import Post, PostCategory

    first = PostCategory.objects.filter(post=OuterRef("pk")).order_by("position", "id")
    rows = (
        Post.objects.using(using)
        .filter(pk__in=list(posts_by_pk))
        .annotate(category_name=Subquery(first.values("category__name")[:1]))
        .values_list("pk", "title", "social_card", "category_name")
    )
    return [
        (pk, title, category)
        for pk, title, card, category in rows
        if card != card_name(title, category)
    ]


def refresh_cards(posts_by_pk: dict, using=None) -> int:
    """Draw and store the cards the posts lack or that show something else now, and record
    them (one UPDATE for all); the posts in hand get the new path too. Returns how many."""
    from ..models import Post

    changed = []
    for pk, title, category in stale_cards(posts_by_pk, using):
        try:
            changed.append(Post(pk=pk, social_card=ensure_card(title, category)))
        except Exception:  # a full disk must not lose the post's save: logged, kept stale
            logger.exception("social card of post %s not made", pk)
    if changed:
        # bulk_update goes through PostQuerySet.update(), which moves the site's stamp: the
        # pages showing the old og:image are not served from the cache again.
        Post.objects.using(using).bulk_update(changed, ["social_card"])
        for made in changed:
            post = posts_by_pk.get(made.pk)
            if post is not None:
                post.social_card = made.social_card
    return len(changed)
