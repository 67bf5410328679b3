"""Template helpers for SEO (JSON-LD, absolute URLs) and the cached list entries."""

import json
from html import escape
from urllib.parse import quote

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from .. import fragments
from ..content.phrases import WBR

register = template.Library()

# The same escapes as Django's json_script: "</script>" in a title cannot end the element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _iso(moment) -> str:
    """Site-local time with its offset, to the second: 2025-11-26T11:20:13+09:00."""
    return localtime(moment).isoformat(timespec="seconds")


@register.simple_tag(takes_context=True)
def absolute(context, url: str) -> str:
    """An absolute URL for a path, on the host the request came to."""
    return context["request"].build_absolute_uri(url)


@register.simple_tag(takes_context=True)
def post_json_ld(context, post) -> str:
    """schema.org BlogPosting for a post, as a <script type="application/ld+json">."""
    request = context["request"]
    url = request.build_absolute_uri(post.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": post.title,
        "description": post.meta_description,
        "datePublished": _iso(post.published_at),
        "dateModified": _iso(post.modified_at),
        "inLanguage": post.language or "ja",
        "author": [
            {
                "@type": "Person" if author.user_id else "Organization",
                "name": author.name,
                "url": request.build_absolute_uri(author.get_absolute_url()),
            }
            for author in post.ordered_authors
        ],
        "publisher": {
            "@type": "Organization",
            "name": settings.BLOG["SITE_NAME"],
            "url": request.build_absolute_uri("/"),
        },
        "keywords": [tag.name for tag in post.ordered_tags],
        "articleSection": [category.name for category in post.ordered_categories],
        "timeRequired": f"PT{post.reading_time}M",
    }
    # The picture og:image shows (blog/_post_social.html): the cover's card, else the card.
    data["image"] = share_image(context, post)["url"]
    data = {key: value for key, value in data.items() if value not in (None, [], "")}
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 (escaped above)


@register.simple_tag(takes_context=True)
def share_image(context, post=None) -> dict:
    """What a shared link shows (og:image, twitter:image, JSON-LD image), with an absolute
    URL: a post's cover card or generated card (blog/images/cards.py), else the site's."""
    from ..images import cards  # Pillow and the font's metrics: only where a card is shown

    image = cards.post_share_image(post) if post is not None else None
    image = image or cards.site_share_image()
    request = context.get("request")  # none on the 503 page, rendered without one
    url = request.build_absolute_uri(image.url) if request is not None else image.url
    return {"url": url, "width": image.width, "height": image.height, "alt": image.alt}


@register.simple_tag
def share_links(url: str, title: str) -> list[dict]:
    """A post's share links (blog/_share.html): each service's own share URL for the
    canonical URL and title, percent-encoded. Plain links: no script of theirs is loaded."""
    quoted, text = quote(url, safe=""), quote(title, safe="")
    # はてなブックマーク names an entry by the URL without its scheme (https: under /s/).
    scheme, _, rest = url.partition("://")
    hatena = ("s/" if scheme == "https" else "") + quote(rest, safe="/:@!$&'()*+,;=~%-._")
    return [
        {"name": "X", "action": "でポスト", "url": f"https://x.com/intent/post?text={text}&url={quoted}"},
        {"name": "はてなブックマーク", "action": "に追加", "url": f"https://b.hatena.ne.jp/entry/{hatena}"},
        {"name": "LINE", "action": "で送る", "url": f"https://social-plugins.line.me/lineit/share?url={quoted}"},
        {"name": "Facebook", "action": "でシェア", "url": f"https://www.facebook.com/sharer/sharer.php?u={quoted}"},
    ]  # fmt: skip


@register.simple_tag(takes_context=True)
def breadcrumb_json_ld(context, crumbs) -> str:
    """schema.org BreadcrumbList for a page's crumbs (blog/breadcrumbs.py), absolute URLs, as a
    <script type="application/ld+json">. A crumb with no page of its own is left out: every
    ListItem but the last must name one."""
    build = context["request"].build_absolute_uri
    linked = [crumb for crumb in crumbs if crumb.url]
    data = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": crumb.name, "item": build(crumb.url)}
            for i, crumb in enumerate(linked, start=1)
        ],
    }
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 (escaped above)


@register.simple_tag
def post_title(post) -> str:
    """A post's title for a heading or a link: with <wbr> at its Japanese phrase boundaries
    (Post.title_html, made at save), or the plain title, escaped, for a post not saved since."""
    # Read from the instance's own fields: a queryset that left title_html out (deferred)
    # gets the plain title rather than a query per post.
    marked = post.__dict__.get("title_html")
    # Only when made from this very title: a row whose title changed around save() (an
    # update()) shows its new title, unmarked, rather than the old one.
    if marked and marked.replace(WBR, "") == escape(post.title):
        # title_html holds only the title's escaped text and literal <wbr> tags
        # (blog/content/phrases.py title_html): no markup of the author's can reach it.
        return mark_safe(marked)  # noqa: S308
    return post.title  # a simple tag's plain str is escaped by the template


@register.simple_tag
def month_url(moment) -> str:
    """The month archive of a post's date, in site time as the archives are ("" for none)."""
    if moment is None:
        return ""
    local = localtime(moment)
    return reverse("blog:month_archive", kwargs={"year": local.year, "month": local.month})


@register.simple_tag
def post_summaries(posts):
    """The list entries of a page of posts, each cached until the post or a name it shows
    changes (blog/fragments.py)."""
    return fragments.post_summaries(posts)


def _escaped_join(pattern: str, rows) -> str:
    """format_html_join for thousands of rows: each value escaped with the standard library's
    html.escape, which is what Django's escape() calls, without its lazy-string wrapper and
    SafeString checks around every value (5,000 options took 40 ms that way, 4 ms this way).
    Every value is escaped here, so the whole is safe."""
    return mark_safe("".join(pattern.format(*(escape(str(v)) for v in row)) for row in rows))  # noqa: S308


@register.simple_tag
def tag_index(tags) -> str:
    """The items of /tags/, written here rather than by a template loop: 5,000 tags took
    250 ms of template (three lookups and a localised number each)."""
    return _escaped_join(
        '<li><a href="{}" rel="tag">#{}</a> <span class="count">{}</span></li>',
        ((tag.get_absolute_url(), tag.name, tag.post_count) for tag in tags),
    )


@register.simple_tag
def filter_options(choices, chosen: str, prefix: str = "") -> str:
    """A search filter's <option>s ({"slug", "name"} each, `chosen` selected): 5,000 tags
    took 300 ms of template loop on every search page's miss."""
    options = _escaped_join(
        '<option value="{}">{}{}</option>', ((c["slug"], prefix, c["name"]) for c in choices)
    )
    if not chosen:
        return options
    # The chosen value, escaped as in its option, marks that one option (values are unique).
    value = f'<option value="{escape(chosen)}">'
    return mark_safe(options.replace(value, value[:-1] + " selected>", 1))  # noqa: S308
