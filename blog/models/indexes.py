"""The indexes the public pages are read through at scale (100,000 posts, 550,000 tag links).
Each lets a page read a bounded number of index entries instead of the posts themselves."""

from django.db import models
from django.db.models.functions import Coalesce

POST_INDEXES = [
    # Lists, newest first (blog/pagination.py): with the id in the index, the ids of a deep
    # page are read from the index alone, and ties on the date need no sort.
    models.Index(fields=["status", "-published_at", "-id"], name="blog_post_list_idx"),
    # Post.modified_at, newest first: the newest post of a tag, category or author is found
    # by walking it (blog/models/counts.py), and so is the newest change of the whole site.
    models.Index(Coalesce("revised_at", "published_at").desc(), name="blog_post_modified_idx"),
    # An image's posts (where it is a cover; SET_NULL when it is deleted).
    models.Index(fields=["cover"], name="blog_post_cover_idx"),
]
