from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection
from django.urls import reverse

from .ensure_admin import password_file

FORGOT = "set earlier; forgot it? DJANGO_DEBUG=1 .venv/bin/python manage.py changepassword <user>"


def _where_the_password_is() -> str:
    path = password_file()
    return f"in {path} (written once, readable by you only)" if path.exists() else FORGOT


class Command(BaseCommand):
    help = "Where everything is: the site, the admin, its account and password, the database."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="the site's address")

    def handle(self, *args, url, **options):
        base = url.rstrip("/")
        admins = get_user_model().objects.filter(is_superuser=True).order_by("pk")
        names = ", ".join(admins.values_list("username", flat=True)[:3]) or "（none）"
        database = connection.settings_dict
        if connection.vendor == "sqlite":
            where = f"SQLite, {database['NAME']}"
        else:
            where = (
                f"{connection.display_name}, {database.get('HOST') or 'socket'}/{database['NAME']}"
            )
        rows = [
            ("site", f"{base}/"),
            ("admin", f"{base}{reverse('admin:index')}"),
            ("admin user", names),
            ("password", _where_the_password_is()),
            ("database", where),
            ("stop", "Ctrl-C"),
        ]
        rule = "=" * 72
        lines = [
            rule,
            f"  {settings.BLOG['SITE_NAME']} is ready",
            *(f"  {k:<11} {v}" for k, v in rows),
            rule,
        ]
        self.stdout.write("\n".join(lines))
