"""Error pages that still render when the database is gone.

A request that fails because the database cannot be reached (stopped, restarting, out of
connections, a statement timeout) is not a bug in a page: readers get a 503 in the site's
design with Retry-After, and the next request tries the database again by itself (Django
opens a fresh connection when the old one failed). Anything else is the usual 500.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults

from .context_processors import site

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def unavailable() -> HttpResponse:
    """The 503 page. Rendered without the request's context processors: nothing in it may
    reach for the database (no user, no session)."""
    # The site's own processor reads settings and URLs only, never the database.
    response = HttpResponse(loader.render_to_string("503.html", site(None)), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)  # a cache must not keep the outage
    return response


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: Django calls it while handling the exception, so sys.exc_info() says what
    went wrong, whether in a view or in a middleware (sessions, authentication)."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        logger.warning("database unavailable, answered 503: %s", error)
        return unavailable()
    return defaults.server_error(request, template_name)
