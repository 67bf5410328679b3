"""Playwright driving Debian's Chromium (never a downloaded browser), for the browser tests."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    # The machine has no outside network: keep Chromium from trying.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]  # fmt: skip
PHONE = {"width": 375, "height": 740}


def _missing() -> list[str]:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    return missing


def launch():
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests; missing: {', '.join(missing)}")
        pytest.skip(f"browser tests need {', '.join(missing)}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield instance
        instance.close()


def new_page(browser, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def publish_from_the_form(page) -> None:
    """In an open post change form: status 公開, published a minute ago, saved (the page
    reloads)."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.localtime() - timedelta(minutes=1)
    page.select_option("#id_status", "published")
    page.fill("#id_published_at_0", now.strftime("%Y-%m-%d"))
    page.fill("#id_published_at_1", now.strftime("%H:%M:%S"))
    with page.expect_navigation():
        page.click("input[name=_save]")
