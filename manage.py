#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    # Commands (migrate, rebuild_search_index, generate_corpus) run long statements on
    # purpose: the site's statement timeout is for requests, not for them.
    os.environ.setdefault("DJANGO_DB_STATEMENT_TIMEOUT_MS", "0")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Settings refuse an unsafe environment (no DJANGO_SECRET_KEY with debug off, a typo in a
    # boolean...) with a message that says what to set. Someone typing a command wants that
    # line, not a traceback, so the settings are loaded here first.
    try:
        settings.INSTALLED_APPS  # noqa: B018 (the attribute access loads the settings)
    except ImproperlyConfigured as error:
        sys.exit(f"manage.py: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
