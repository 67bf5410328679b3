"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds of the whole site, a category (with its
sub-categories), a tag and an author: the 20 newest published posts, each with its full body,
its cover image and its language.

Declared with django.contrib.syndication (views.py: the subjects and items, shared by every
format); generators.py writes the documents: Django's RSS and Atom writers with the full body
(`<content:encoded>` / Atom `<content>`), the cover (`<enclosure>` and Media RSS's
`<media:content>` / Atom's `<link rel="enclosure">`) and the WebSub hub added, and a JSON Feed
writer. blog/websub.py tells the hub when a post's feeds change.

Plain text (titles, summaries, names) must reach a reader as that text. Readers take RSS's
title and description as HTML, so there it is escaped once before the XML writer escapes it
again; Atom's titles are text and its summary is declared HTML (Django writes
`<summary type="html">`), so only the summary is escaped there; JSON Feed's title and summary
are plain text, and only content_html is HTML.
"""

from django.urls import path

from ..pagecache import public_page
from .generators import AtomWithContent, JsonFeed, RssWithContent, absolute_urls
from .views import FORMATS, AuthorFeed, CategoryFeed, PostFeed, TagFeed, feed_links

__all__ = [
    "FORMATS", "AuthorFeed", "CategoryFeed", "PostFeed", "TagFeed", "absolute_urls", "feed_links",
    "urlpatterns",
]  # fmt: skip

# Every feed goes through the page cache and conditional GET, as every public page does.
rss, atom, json = RssWithContent, AtomWithContent, JsonFeed
urlpatterns = [
    path("feeds/rss/", public_page(PostFeed(rss)), name="feed_rss"),
    path("feeds/atom/", public_page(PostFeed(atom)), name="feed_atom"),
    path("feeds/json/", public_page(PostFeed(json)), name="feed_json"),
    path("categories/<uslug:slug>/feeds/rss/", public_page(CategoryFeed(rss)), name="category_feed_rss"),
    path("categories/<uslug:slug>/feeds/atom/", public_page(CategoryFeed(atom)), name="category_feed_atom"),
    path("categories/<uslug:slug>/feeds/json/", public_page(CategoryFeed(json)), name="category_feed_json"),
    path("tags/<uslug:slug>/feeds/rss/", public_page(TagFeed(rss)), name="tag_feed_rss"),
    path("tags/<uslug:slug>/feeds/atom/", public_page(TagFeed(atom)), name="tag_feed_atom"),
    path("tags/<uslug:slug>/feeds/json/", public_page(TagFeed(json)), name="tag_feed_json"),
    path("authors/<uslug:slug>/feeds/rss/", public_page(AuthorFeed(rss)), name="author_feed_rss"),
    path("authors/<uslug:slug>/feeds/atom/", public_page(AuthorFeed(atom)), name="author_feed_atom"),
    path("authors/<uslug:slug>/feeds/json/", public_page(AuthorFeed(json)), name="author_feed_json"),
]  # fmt: skip
