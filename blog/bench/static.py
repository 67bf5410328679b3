"""What rendering a page in-process needs before a benchmark starts: the static files' manifest.

With debug off, every page (and the error page itself) looks up its static URLs in the
manifest that collectstatic writes; without it the first request died with a traceback about a
missing manifest entry, the benchmark with it."""

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management.base import CommandError

MISSING = (
    "No static files manifest ({name}): pages look their static URLs up in it with debug off. "
    "Run `python manage.py collectstatic --noinput` first (make bench does)."
)


def require_manifest() -> None:
    """A CommandError saying what to run when the storage keeps a manifest and it is missing."""
    name = getattr(staticfiles_storage, "manifest_name", None)
    strict = getattr(staticfiles_storage, "manifest_strict", False)
    if name and strict and not staticfiles_storage.exists(name):
        raise CommandError(MISSING.format(name=staticfiles_storage.path(name)))
