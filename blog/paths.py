"""The URL of a post, tag, category or author page from its slug, without reverse() each time.

reverse() walks the URL patterns on every call: 20-80 µs, which is most of the time of a list
of 5,000 tags or of a sitemap page of 5,000 posts. The pattern of each page is reversed once
(for the script prefix and URLconf in use), and the slug put in its place, quoted as reverse()
quotes it."""

import functools
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.regex_helper import _lazy_re_compile

_MARK = "slug-mark-0"  # a valid slug that no real one equals
# What reverse() leaves unquoted (django.urls.resolvers: RFC 3986 sub-delims and "/~:@").
_SAFE = "!$&'()*+,;=/~:@"
_SLUG = _lazy_re_compile(r"[-\w]+")


@functools.lru_cache(maxsize=32)
def _pattern(url_name: str, script_prefix: str, urlconf: str) -> tuple[str, str]:
    before, after = reverse(url_name, kwargs={"slug": _MARK}).split(_MARK)
    return before, after


def slug_path(url_name: str, slug: str) -> str:
    """reverse(url_name, kwargs={"slug": slug}), for the blog's slug pages."""
    if not _SLUG.fullmatch(slug):  # not a slug the pattern accepts: let reverse() say so
        return reverse(url_name, kwargs={"slug": slug})
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    before, after = _pattern(url_name, get_script_prefix(), urlconf)
    return before + quote(slug, safe=_SAFE) + after


def slug_paths(url_name: str):
    """slug_path for many slugs of one page kind (a sitemap's 5,000): the prefix and URLconf
    are read once."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    before, after = _pattern(url_name, get_script_prefix(), urlconf)

    def path(slug: str) -> str:
        if not _SLUG.fullmatch(slug):
            return reverse(url_name, kwargs={"slug": slug})
        return before + quote(slug, safe=_SAFE) + after

    return path
