"""Media files served by the app itself when no nginx is in front (docs/nginx.conf does the
same there). Django's static.serve keeps every path under MEDIA_ROOT (`..` and absolute paths
are a 404). Renditions have content-hashed names (blog/images/renditions.py): a name never
gets other bytes, so they are cached for a year, immutable; originals and other media, whose
names an editor's replacement could reuse, for a day. These are not pages: the page cache
(blog/pagecache.py) only keeps views marked public_page, which this is not."""

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.static import serve

from .renditions import is_rendition_name

YEAR = 365 * 24 * 60 * 60
DAY = 24 * 60 * 60


@require_safe  # GET and HEAD; anything else is a 405
def serve_media(request, path: str):
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except (SuspiciousFileOperation, OSError) as error:
        # A path that climbs out of MEDIA_ROOT, or one the file system cannot even look up
        # (a name past its length limit, ENAMETOOLONG): there is no such media file.
        raise Http404("No such media file") from error
    if is_rendition_name(path):
        patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=DAY)
    return response
