"""The content model. Each room holds one subject; everything is importable from blog.models.

- taxonomy.py: Author, Category (a tree), Tag (case-insensitive) and the post-tag link;
- posts.py: Post and its save (the version check, what it derives);
- querysets.py: PostQuerySet (published() is the one visibility rule) and PostStatus;
- previews.py: PreviewLink (share links);
- redirects.py: Redirect (old URLs of posts);
- search.py: PostSearchDocument (the engine is blog/search/);
- visibility.py: the categories, tags and authors readers may learn of.
- images.py: Image, the image library (renditions made by blog/images/);
- imports.py: ImportRecord (what the last Jekyll import wrote);
- stamp.py: SiteStamp, the generation every cached page is keyed by;
- counts.py: each tag's, category's and author's posts, and the site's, kept by triggers;
- indexes.py: the indexes lists are read through.
"""

from ..content.text import SUMMARY_LENGTH
from .counts import (
    AuthorCount,
    CategoryCount,
    SiteCount,
    TagCount,
    rebuild_counts,
    visible_count_for,
    visible_items,
    visible_names,
    visible_post_count,
    visible_summary,
)
from .images import Image
from .imports import ImportRecord
from .posts import (
    DERIVED_FIELDS,
    LARGE_FIELDS,
    SCHEDULED_LABEL,
    Post,
    PostAuthor,
    PostCategory,
)
from .previews import (
    PREVIEW_LINK_DAYS,
    PreviewLink,
    PreviewLinkQuerySet,
    new_preview_token,
    preview_link_expiry,
)
from .querysets import PostQuerySet, modified_at_expression
from .redirects import Redirect
from .search import PostSearchDocument
from .stamp import SiteStamp, site_changed
from .taxonomy import Author, Category, NamedModel, Tag, TaggedPost, unique_slug
from .visibility import (
    filter_menus,
    visible_categories,
    visible_category_names,
    visible_years,
)

__all__ = [
    "DERIVED_FIELDS",
    "LARGE_FIELDS",
    "PREVIEW_LINK_DAYS",
    "SCHEDULED_LABEL",
    "SUMMARY_LENGTH",
    "Author",
    "AuthorCount",
    "Category",
    "CategoryCount",
    "Image",
    "ImportRecord",
    "NamedModel",
    "Post",
    "PostAuthor",
    "PostCategory",
    "PostQuerySet",
    "PostSearchDocument",
    "PreviewLink",
    "PreviewLinkQuerySet",
    "Redirect",
    "SiteCount",
    "SiteStamp",
    "Tag",
    "TagCount",
    "TaggedPost",
    "filter_menus",
    "modified_at_expression",
    "new_preview_token",
    "preview_link_expiry",
    "rebuild_counts",
    "site_changed",
    "unique_slug",
    "visible_categories",
    "visible_category_names",
    "visible_count_for",
    "visible_items",
    "visible_names",
    "visible_post_count",
    "visible_summary",
    "visible_years",
]
