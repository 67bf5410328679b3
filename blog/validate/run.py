"""`make validate`'s steps: set the site up in a temporary folder, serve it, fetch every page
and feed, run the checkers (the Nu checker in the background while axe drives the browser;
Lighthouse last and alone, its timings being what it measures), report, exit 1 on a failure."""

import argparse
import dataclasses
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

from blog.bench.http import fetch

from . import axe, feeds, lighthouse, nu, site
from .report import Report

REPORT = site.ROOT / "var" / "validate" / "report.json"
FEED_SCOPES = ("home", "category", "tag", "author")  # the pages whose own feeds are checked


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="scripts/validate", description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["nu", "axe", "lighthouse", "feeds"],
        help="leave a checker out while developing (the run then fails as incomplete)",
    )  # fmt: skip
    parser.add_argument("--report", type=Path, default=REPORT, help=f"JSON report ({REPORT})")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"== {message}", flush=True)


def fetch_pages(pages, base, report) -> dict[str, bytes]:
    """Each page's HTML (which also fills the page cache, as readers would); a wrong status or
    type is a failure. A list's page 2, when the home page has one, is added as its own type."""
    bodies = {}
    for page in list(pages):
        status, headers, body = fetch(base + page.path)
        problems = []
        if status != page.status:
            problems.append(f"status {status}, expected {page.status}")
        if not headers.get("Content-Type", "").startswith("text/html"):
            problems.append(f"Content-Type {headers.get('Content-Type')!r}")
        if problems:
            report.fetch[page.name] = problems
        bodies[page.name] = body
        if page.kind == "home" and (following := site.next_page(body.decode())):
            path = urlparse(urljoin(base + page.path, following))
            pages.append(
                site.Page("page 2", "page 2", f"{path.path}?{path.query}", lighthouse=True)
            )
    return bodies


def find_feeds(pages, bodies, report) -> list[site.Feed]:
    """The feeds the home, category, tag and author pages announce: each must announce RSS,
    Atom and JSON Feed of its own."""
    found = []
    for page in pages:
        if page.kind not in FEED_SCOPES:
            continue
        links = site.feed_links(bodies[page.name].decode())
        own = [(kind, href) for kind, href in links if page.kind == "home" or
               urlparse(href).path.startswith(page.path)]  # fmt: skip
        scope = "site" if page.kind == "home" else page.kind
        for kind in site.FEED_TYPES.values():
            hrefs = [href for k, href in own if k == kind]
            if not hrefs:
                report.fetch.setdefault(page.name, []).append(f"no {kind} feed autodiscovered")
                continue
            found.append(site.Feed(f"{scope} {kind}", kind, hrefs[0]))
    return found


def check_feeds(found, base, report) -> None:
    for feed in found:
        url = urljoin(base + "/", feed.path)
        status, headers, body = fetch(url)
        if status != 200:
            report.feeds[feed.name] = {"url": url, "errors": [f"status {status}"]}
            continue
        errors = feeds.feed_errors(feed.kind, body, url, headers.get("Content-Type", ""))
        report.feeds[feed.name] = {"url": url, "errors": errors}


def assets(bodies, base) -> dict[str, tuple[str, bytes]]:
    """The stylesheets and SVG the pages link to, for the Nu checker."""
    found = {}
    for body in bodies.values():
        for tag in re.findall(r"<link\b[^>]*>", body.decode()):
            attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
            href = attrs.get("href", "")
            extension = urlparse(href).path.rsplit(".", 1)[-1]
            if extension in ("css", "svg") and href not in found:
                status, _, content = fetch(urljoin(base + "/", href))
                if status == 200:
                    found[href] = (extension, content)
    return found


def check(pages, base, tmp, args) -> Report:
    report = Report(base=base)
    log(f"fetching {len(pages)} pages")
    bodies = fetch_pages(pages, base, report)
    report.pages = [dataclasses.asdict(page) for page in pages]
    if "feeds" not in args.skip:
        found = find_feeds(pages, bodies, report)
        log(f"feeds: {len(found)}")
        check_feeds(found, base, report)
    vnu = None
    if "nu" not in args.skip:
        documents = {page.name: ("html", bodies[page.name]) for page in pages}
        documents.update(assets(bodies, base))
        files = nu.write(tmp / "nu", documents)
        report.nu_documents = len(files)
        log(f"Nu HTML checker: {len(files)} documents (in the background)")
        vnu = nu.start(tmp / "nu")
    if "axe" not in args.skip:
        log(f"axe-core: {len(pages)} pages × {len(axe.VIEWPORTS)} viewports")
        for (name, viewport), found in axe.check(pages, base).items():
            report.axe[f"{name} @ {viewport}"] = found
    if vnu is not None:
        report.nu = nu.finish(vnu, files)
    if "lighthouse" not in args.skip:
        measured = [page for page in pages if page.lighthouse and page.status == 200]
        log(f"Lighthouse 12: {len(measured)} pages × desktop, mobile")
        results = lighthouse.check(measured, base, tmp / "lighthouse", tmp / "lighthouse.log")
        for (name, form), result in results.items():
            report.lighthouse.setdefault(name, {})[form] = dataclasses.asdict(result)
    # Lighthouse will not score a page whose status is not 2xx ("unable to reliably load"):
    # the 404 page is checked by the Nu checker and axe only.
    report.skipped += [f"{name} (not run: --skip)" for name in args.skip]
    if not any(page.kind == "page 2" for page in pages):
        report.skipped.append("page 2: none (the sample's lists fit on one page)")
    report.skipped.append("Lighthouse on the 404 page: it scores no page whose status is not 2xx")
    return report


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="editorial-validate-"))
    try:
        env = site.site_env(tmp)
        log(
            f"the site in {tmp}: migrate, import {site.SAMPLE.relative_to(site.ROOT)}, collectstatic"
        )
        site.prepare(env, tmp / "manage.log")
        site.setup_django(env)
        pages = site.find_pages()
        with site.served(env, tmp / "gunicorn.log") as base:
            log(f"gunicorn (debug off) at {base}")
            report = check(pages, base, tmp, args)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    report.seconds = time.monotonic() - started
    print(report.text(), flush=True)
    report.write(args.report)
    print(f"report: {args.report}" + (f"; files kept in {tmp}" if args.keep else ""))
    if report.failures():
        return 1
    return 2 if args.skip else 0


if __name__ == "__main__":
    sys.exit(main())
