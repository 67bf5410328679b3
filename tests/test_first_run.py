"""The first run: an admin account whose password is written to a private file, and the banner
that says where everything is."""

import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def var(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def test_the_first_admins_password_goes_to_a_file_only_its_owner_reads(var, capsys):
    """ensure_admin writes the one-time password to var/admin-password.txt (0600), which
    logs in, and never prints it."""
    call_command("ensure_admin")
    path = var / "admin-password.txt"
    username, password = path.read_text().split()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert get_user_model().objects.get(username=username).check_password(password)
    out = capsys.readouterr().out
    assert str(path) in out and password not in out


def test_a_second_run_keeps_the_account_and_its_file(var, capsys):
    """With an admin already there, nothing is created and the password file is untouched."""
    call_command("ensure_admin")
    before = (var / "admin-password.txt").read_text()
    call_command("ensure_admin")
    assert (var / "admin-password.txt").read_text() == before
    assert "already exists" in capsys.readouterr().out


def test_the_banner_says_where_everything_is(var, settings, capsys):
    """site_banner names the site and admin URLs (the admin's own path), the admin user, the
    password file and the database."""
    call_command("ensure_admin", username="desk-admin")
    capsys.readouterr()
    call_command("site_banner", url="http://127.0.0.1:8123/")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/\n" in out
    assert f"http://127.0.0.1:8123/{settings.ADMIN_URL}" in out
    assert "desk-admin" in out and str(var / "admin-password.txt") in out
    from django.db import connection

    assert str(connection.settings_dict["NAME"]) in out


def test_the_banner_without_a_password_file_says_how_to_set_one(var, capsys):
    """Once the file is gone (read and deleted), the banner tells how to set a new password."""
    call_command("ensure_admin")
    (var / "admin-password.txt").unlink()
    call_command("site_banner")
    assert "manage.py changepassword" in capsys.readouterr().out
