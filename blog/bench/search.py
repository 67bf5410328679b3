"""Timing the search engine on the benchmark corpus: percentiles, the table's columns, and the
check that a planted term's hits are right (manage.py bench_search prints the table)."""

import math
import unicodedata

from django.db import connection

PAGE_SIZE = 20
# The goal for the first page at 100,000 posts, p95 in milliseconds.
GOAL_MS = {"postgresql": 50.0, "sqlite": 100.0}


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def database_description() -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} ({connection.settings_dict['NAME']})"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return f"PostgreSQL {version} (database {connection.settings_dict['NAME']})"
    return connection.vendor


def badly_off(expected: int, found: int) -> bool:
    return found == 0 or found > 2 * expected + 5 or found < expected / 2
