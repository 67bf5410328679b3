"""The benchmark's floor: the site's own settings and middleware in front of a view that returns
a constant 30 KB page, served by gunicorn like the site (`gunicorn blog.bench.floor`). What
Django costs before the site does any work of its own: the other figures are ratios to it.

The URL exists only in this WSGI module, never in the site's URLconf.
"""

import os

import django
from django.http import HttpResponse
from django.urls import clear_url_caches, path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
django.setup(set_prefix=False)

from django.core.wsgi import get_wsgi_application  # noqa: E402 (after setup, as the URLconf)

from site_config import urls  # noqa: E402

from .http import FLOOR_PATH  # noqa: E402

SIZE = 30 * 1024
# Japanese text, as the site's pages are: 30 KB of UTF-8 (cut between characters, padded).
_TEXT = (
    "<!DOCTYPE html><html lang=ja><meta charset=utf-8><title>床</title><main>"
    + "<p>生成AIとGPUサーバーの調達をめぐる議論は、まだ始まったばかりだ。</p>\n" * 400
)
PAGE = _TEXT.encode()[:SIZE].decode("utf-8", "ignore").encode().ljust(SIZE)


def floor(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urls.urlpatterns.insert(0, path(FLOOR_PATH.strip("/") + "/", floor, name="bench_floor"))
clear_url_caches()
application = get_wsgi_application()
