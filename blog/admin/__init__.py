"""The editors' tool: posts, authors, categories, tags and share links in the Django admin.

Django's admin autodiscovery imports this package; importing the rooms registers their
ModelAdmins on admin.site.
"""

from . import images, imports, posts, previews, taxonomy  # noqa: F401  (each registers its ModelAdmins)
