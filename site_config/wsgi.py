"""WSGI entry point: `gunicorn site_config.wsgi`."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # Fail loudly: gunicorn must not start. The one line saying what to set comes first, before
    # the traceback gunicorn prints, so it is the line an operator reads in the log.
    print(f"site_config.wsgi: cannot start: {error}", file=sys.stderr, flush=True)
    raise
