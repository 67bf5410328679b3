"""The stored search document of a post (the engine is blog/search/)."""

from django.db import models

from .posts import Post


class PostSearchDocument(models.Model):
    """The stored search document of a post (blog/search/): written in Post.save(), in the
    same transaction, and indexed by the database (a GIN index on PostgreSQL, an FTS5 table
    kept in step by triggers on SQLite; see migrations 0003 and 0004)."""

    post = models.OneToOneField(
        Post, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    # NFKC-normalised text: exact-substring checks, relevance (title) and result snippets.
    title = models.TextField(blank=True)
    text = models.TextField(blank=True)
    # Space-separated index terms: CJK characters and character bigrams, Latin words, and the
    # junctions where the two scripts touch ("AIインフラ" → "aiイ").
    tokens = models.TextField(blank=True)
    # The title's own index terms, indexed apart: title matches rank first, and finding them
    # must not mean scanning every document that mentions a common word.
    title_tokens = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "検索文書"

    def __str__(self):
        return f"記事 {self.post_id} の検索文書"
