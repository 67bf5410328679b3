"""Environment defaults for the test run, loaded by pytest as a plugin (`-p` in pyproject).

It must run before pytest-django imports the settings, which happens before any conftest.py is
read; hence a plugin and not a conftest. Real environment variables still win.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "0")
