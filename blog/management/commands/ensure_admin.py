import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

# Where the first admin's one-time password is written: readable by its owner only (0600),
# never printed, so it stays out of terminal scrollback and CI logs.
PASSWORD_FILE = "admin-password.txt"  # noqa: S105 (a file name, not a password)


def password_file() -> Path:
    return Path(settings.VAR_DIR) / PASSWORD_FILE


def write_secret(path: Path, text: str) -> None:
    """Write `text` to a new file only its owner can read (created 0600: no moment when it is
    readable by others, whatever the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


class Command(BaseCommand):
    help = (
        "Create an 'admin' superuser with a random password, only if no superuser exists; the "
        f"password goes to var/{PASSWORD_FILE} (0600)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "An admin account already exists. Forgot its password? "
                "Run: DJANGO_DEBUG=1 .venv/bin/python manage.py changepassword <username>"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        path = password_file()
        write_secret(path, f"{username}\n{password}\n")
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the admin account {username!r}; its one-time password is in {path} "
                "(readable by you only). Log in, then change it."
            )
        )
