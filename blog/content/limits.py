"""How much text a writer may hand the save path, defined once for the form, the live preview
and the importer.

A body is rendered, sanitised, checked for health and indexed on every save, and a request a
writer can make must finish in a few seconds whatever is pasted into it. The longest articles
the desk publishes run to some 30,000 characters; 200,000 is several times that (about six
hours of reading) and still renders, checks and indexes in well under a second.
"""

MAX_BODY_CHARS = 200_000


def body_length_error(body: str | None) -> str | None:
    """The message refusing a body over MAX_BODY_CHARS (a save must stay fast), else None.
    Shared by Post.clean() and the admin form, which refuses it before any health check."""
    length = len(body or "")
    if length <= MAX_BODY_CHARS:
        return None
    return f"本文が {length:,} 文字あります。{MAX_BODY_CHARS:,} 文字以内にしてください（分割して別の記事にできます）。"
