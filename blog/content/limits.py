"""How much text a writer may hand the save path, defined once for the form, the live preview
and the importer.

A body is rendered, sanitised, checked for health and indexed on every save, and a request a
writer can make must finish in a few seconds whatever is pasted into it. The longest articles
the desk publishes run to some 30,000 characters; 200,000 is several times that (about six
hours of reading) and still renders, checks and indexes in well under a second.
"""

MAX_BODY_CHARS = 200_000
