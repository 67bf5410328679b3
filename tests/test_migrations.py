"""The committed migrations match the models."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_migrations():
    """makemigrations --check finds nothing to write."""
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
