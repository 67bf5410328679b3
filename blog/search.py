"""Search over published posts.

A plain substring match for now; the search issue replaces it with an index-backed engine
for Japanese (bigrams on PostgreSQL, FTS5 on SQLite) behind this same function.
"""

import unicodedata

from django.db.models import Q, QuerySet

from .models import Post

MAX_QUERY_LENGTH = 200


def normalize_query(raw: str) -> str:
    """NFKC folds full-width Latin and half-width kana ("ＡＩ" → "AI", "ｲﾝﾌﾗ" → "インフラ")."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if ch.isprintable())
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def search_posts(query: str) -> QuerySet[Post]:
    """Published posts containing every term of the query in the title, excerpt or body."""
    results = Post.objects.published()
    for term in normalize_query(query).split():
        results = results.filter(
            Q(title__icontains=term) | Q(excerpt__icontains=term) | Q(body__icontains=term)
        )
    return results
