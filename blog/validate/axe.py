"""axe-core (npm axe-core) on every page, at a desktop width and on a 375×740 phone: WCAG 2.0,
2.1 and 2.2 A/AA rules, all of them (Lighthouse runs only a subset). Injected with
Playwright into Debian's Chromium; the context bypasses the site's CSP, which rightly refuses
a script that is not one of its own static files."""

import os
from pathlib import Path

AXE_JS = (
    Path(__file__).resolve().parent.parent.parent
    / "validate" / "node_modules" / "axe-core" / "axe.min.js"
)  # fmt: skip
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]  # fmt: skip
VIEWPORTS = {"desktop": {"width": 1350, "height": 940}, "phone": {"width": 375, "height": 740}}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}


def violation_lines(violations: list[dict]) -> list[str]:
    """axe's violations as lines: rule, impact, what it asks, and the first nodes' selectors."""
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node.get("target", []))) for node in violation["nodes"][:3]]
        more = f" (+{len(violation['nodes']) - 3} more)" if len(violation["nodes"]) > 3 else ""
        lines.append(
            f"{violation['id']} [{violation.get('impact')}]: {violation.get('help', '')}: "
            f"{', '.join(targets)}{more}"
        )
    return lines


def check(pages: list, base: str) -> dict[tuple[str, str], list[str]]:
    """{(page name, viewport): violation lines} for every page at every viewport."""
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Django is set up here too
    script = AXE_JS.read_text(encoding="utf-8")
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            for viewport_name, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport, bypass_csp=True)
                page = context.new_page()
                for item in pages:
                    page.goto(base + item.path, wait_until="load")
                    page.add_script_tag(content=script)
                    found = page.evaluate("options => axe.run(document, options)", OPTIONS)
                    results[item.name, viewport_name] = violation_lines(found["violations"])
                context.close()
        finally:
            browser.close()
    return results
