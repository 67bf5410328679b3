"""make validate's own rules (blog/validate): the feed structure rules, the reading of
Lighthouse's and the Nu checker's results, and the page discovery helpers. The checkers
themselves are not run here (scripts/validate does that)."""

import json

import pytest

from blog.validate import axe, feeds, lighthouse, nu, site
from blog.validate.report import Report

FEED_URL = "http://127.0.0.1:9/feeds/rss/"
ATOM_URL = "http://127.0.0.1:9/feeds/atom/"
JSON_URL = "http://127.0.0.1:9/feeds/json/"


def rss(item="", channel_extra=None):
    self_link = (
        f'<atom:link href="{FEED_URL}" rel="self"/>' if channel_extra is None else channel_extra
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        "<title>Editorial</title><link>http://127.0.0.1:9/</link><description>説明</description>"
        f"{self_link}{item}</channel></rss>"
    ).encode()


GOOD_ITEM = (
    "<item><title>記事</title><link>http://127.0.0.1:9/posts/a/</link>"
    "<pubDate>Mon, 17 Nov 2025 23:00:00 +0000</pubDate>"
    '<guid isPermaLink="false">urn:uuid:2b8ac0cf-7013-4c62-be0c-187134c5868e</guid></item>'
)


def atom(entry):
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>Editorial</title><link href="{ATOM_URL}" rel="self"/>'
        "<id>http://127.0.0.1:9/</id><updated>2025-11-17T23:00:00+00:00</updated>"
        f"{entry}</feed>"
    ).encode()


ATOM_ENTRY = (
    "<entry><title>記事</title><id>urn:uuid:2b8ac0cf-7013-4c62-be0c-187134c5868e</id>"
    "<updated>2025-11-17T23:00:00+00:00</updated><author><name>山田</name></author></entry>"
)


def test_a_well_formed_rss_feed_passes_every_rule():
    """The rules accept a feed the way the site writes it: no false failures."""
    assert (
        feeds.feed_errors("rss", rss(GOOD_ITEM), FEED_URL, "application/rss+xml; charset=utf-8")
        == []
    )


def test_rss_item_without_guid_is_an_error():
    """An item with no guid (readers then show it again after every edit) fails."""
    item = GOOD_ITEM.replace(
        '<guid isPermaLink="false">urn:uuid:2b8ac0cf-7013-4c62-be0c-187134c5868e</guid>', ""
    )
    assert feeds.rss_errors(rss(item), FEED_URL) == ["item 1: no guid"]


def test_rss_without_self_link_or_with_a_wrong_one_is_an_error():
    """The channel must point rel="self" at the feed's own address."""
    assert feeds.rss_errors(rss(GOOD_ITEM, channel_extra=""), FEED_URL) == [
        'channel: no link rel="self"'
    ]
    wrong = '<atom:link href="http://elsewhere/feed/" rel="self"/>'
    assert "not the feed's address" in feeds.rss_errors(rss(GOOD_ITEM, wrong), FEED_URL)[0]


@pytest.mark.parametrize(
    "date",
    ["2025-11-17T23:00:00+00:00", "Mon, 17 November 2025 23:00:00 +0000", "Tue, 17 Nov 2025 23:00:00 +0000",
     "Mon, 31 Nov 2025 23:00:00 +0000", ""],
)  # fmt: skip
def test_rss_dates_that_are_not_rfc822_are_errors(date):
    """ISO dates, long month names, a wrong weekday, an impossible day or none: each is caught."""
    item = GOOD_ITEM.replace("Mon, 17 Nov 2025 23:00:00 +0000", date)
    errors = feeds.rss_errors(rss(item), FEED_URL)
    assert len(errors) == 1 and errors[0].startswith("item 1 pubDate")


def test_rss_enclosure_needs_a_length_and_a_type():
    """An enclosure without a byte length or a type is an error; a complete one is not."""
    bad = GOOD_ITEM.replace(
        "</item>", '<enclosure url="http://127.0.0.1:9/media/a.jpg" length="big"/></item>'
    )
    good = GOOD_ITEM.replace("</item>", '<enclosure url="http://127.0.0.1:9/media/a.jpg" length="12" type="image/jpeg"/></item>')  # fmt: skip
    assert sorted(feeds.rss_errors(rss(bad), FEED_URL)) == [
        "item 1 enclosure: length 'big' is not a whole number of bytes",
        "item 1 enclosure: no type",
    ]
    assert feeds.rss_errors(rss(good), FEED_URL) == []


def test_atom_rules_catch_a_missing_updated_author_and_a_relative_id():
    """An entry without updated, without an author (none on the feed either), with a relative id."""
    assert feeds.atom_errors(atom(ATOM_ENTRY), ATOM_URL) == []
    entry = ATOM_ENTRY.replace("<updated>2025-11-17T23:00:00+00:00</updated>", "")
    entry = entry.replace("<author><name>山田</name></author>", "").replace(
        "urn:uuid:2b8ac0cf-7013-4c62-be0c-187134c5868e", "/posts/a/"
    )
    assert feeds.atom_errors(atom(entry), ATOM_URL) == [
        "entry 1: id '/posts/a/' is not an IRI",
        "entry 1 updated: missing",
        "entry 1: no author (and the feed has none)",
    ]


def json_feed(**changes):
    feed = {
        "version": feeds.JSON_FEED_VERSION,
        "title": "Editorial",
        "feed_url": JSON_URL,
        "items": [{"id": "urn:uuid:1", "content_html": "<p>本文</p>",
                   "date_published": "2025-11-17T23:00:00+00:00"}],
    }  # fmt: skip
    feed.update(changes)
    return json.dumps(feed).encode()


def test_json_feed_rules():
    """JSON Feed 1.1: the version URL, items' ids and content, attachments' url and type."""
    assert feeds.feed_errors("json", json_feed(), JSON_URL, "application/feed+json") == []
    assert feeds.json_feed_errors(json_feed(version="https://jsonfeed.org/version/1"), JSON_URL)[
        0
    ].startswith("version")
    items = [{"id": 7, "attachments": [{"url": "http://127.0.0.1:9/a.jpg"}]}]
    assert feeds.json_feed_errors(json_feed(items=items), JSON_URL) == [
        "item 1: no id (a string)",
        "item 1: neither content_html nor content_text",
        "item 1 attachment: url and mime_type are required",
    ]


def test_a_feed_served_as_html_or_not_well_formed_is_an_error():
    """The content type and well-formedness are checked before the rules."""
    errors = feeds.feed_errors("rss", rss(GOOD_ITEM)[:-10], FEED_URL, "text/html")
    assert errors[0] == "Content-Type 'text/html', expected 'application/rss+xml'"
    assert any(e.startswith("feedparser") for e in errors)


def lhr(scores, failing=(), audits_weight=1):
    """A minimal Lighthouse result: categories with auditRefs, `failing` audits scored 0."""
    audits = {"ok": {"score": 1, "title": "OK"}}
    categories = {}
    for category, score in scores.items():
        refs = [{"id": "ok", "weight": 1}]
        for audit in failing:
            if audit.startswith(category + ":"):
                name = audit.split(":", 1)[1]
                audits[name] = {"score": 0, "title": name.title()}
                refs.append({"id": name, "weight": audits_weight})
        categories[category] = {"score": score, "auditRefs": refs}
    return {"categories": categories, "audits": audits}


ALL_100 = dict.fromkeys(lighthouse.CATEGORIES, 1)


def test_lighthouse_all_100_passes_and_a_99_fails():
    """100 everywhere passes; 0.99 in one category is a failure naming its failing audit."""
    assert lighthouse.judge(lhr(ALL_100), "post").problems == []
    result = lighthouse.judge(
        lhr({**ALL_100, "accessibility": 0.99}, ["accessibility:color-contrast"]), "post"
    )
    assert result.scores["accessibility"] == 99
    assert result.problems == ["accessibility 99: color-contrast (Color-Contrast)"]


def test_lighthouse_rounds_as_it_shows():
    """0.995 is shown (and passes) as 100, 0.994 as 99: JavaScript's rounding, not Python's."""
    assert lighthouse.shown(0.995) == 100 and lighthouse.shown(0.994) == 99
    assert lighthouse.shown(0.985) == 99  # Python's round() would make 98


def test_noindex_seo_exception_only_on_search_pages_and_only_for_is_crawlable():
    """A search page may lose SEO to is-crawlable alone; other pages or other audits may not."""
    noindex = lhr({**ALL_100, "seo": 0.66}, ["seo:is-crawlable"])
    search = lighthouse.judge(noindex, "search")
    assert search.problems == [] and search.allowed
    assert lighthouse.judge(noindex, "tag").problems == ["seo 66: is-crawlable (Is-Crawlable)"]
    more = lhr({**ALL_100, "seo": 0.5}, ["seo:is-crawlable", "seo:meta-description"])
    assert lighthouse.judge(more, "search").problems


def test_lighthouse_runtime_error_and_unscored_pages_fail():
    """A run that failed, or a category with no score (a 404 status), is a failure."""
    failed = lighthouse.judge({"runtimeError": {"code": "NO_NAVSTART", "message": "x"}}, "home")
    assert failed.problems == ["Lighthouse failed: NO_NAVSTART x"]
    unscored = {**lhr(ALL_100), "runWarnings": ["Status code: 404"]}
    unscored["categories"]["seo"]["score"] = None
    assert lighthouse.judge(unscored, "home").problems == ["seo: not scored (Status code: 404)"]


def test_median_performance():
    """Performance is judged on the median of the runs; a run without a score spoils it."""
    runs = [lhr({"performance": score}) for score in (0.9, 1, 1)]
    assert lighthouse.median_performance(runs) == 1
    assert lighthouse.median_performance([*runs, {"categories": {}}]) is None


def test_nu_report_keeps_errors_only_and_names_the_page(tmp_path):
    """The Nu checker's JSON is read back to the page each file came from; info is ignored."""
    files = nu.write(tmp_path, {"home": ("html", b"<!doctype html>"), "site.css": ("css", b"")})
    home = next(path for path, name in files.items() if name == "home")
    report = {"messages": [
        {"type": "error", "url": f"file:{home}", "lastLine": 3, "message": "Stray end tag", "extract": "</p>"},
        {"type": "info", "url": f"file:{home}", "message": "Trailing slash"},
    ]}  # fmt: skip
    assert nu.errors_by_document(report, files) == {"home": ["line 3: Stray end tag «</p>»"]}


def test_feed_autodiscovery_and_next_page_are_read_from_the_html():
    """Feed links of the three types and a list's rel=next are found; other links are not."""
    html = (
        '<link rel="alternate" type="application/rss+xml" href="/feeds/rss/">'
        '<link rel="alternate" type="application/feed+json" title="x" href="/feeds/json/">'
        '<link rel="stylesheet" href="/static/site.css">'
        '<a href="/?page=2&amp;q=1" rel="next">次へ</a>'
    )
    assert site.feed_links(html) == [("rss", "/feeds/rss/"), ("json", "/feeds/json/")]
    assert site.next_page(html) == "/?page=2&q=1"
    assert site.next_page("<a href='/'>ホーム</a>") is None


def test_axe_violations_are_listed_with_their_nodes():
    """Each violation names its rule, impact and the first nodes; the rest are counted."""
    violation = {"id": "color-contrast", "impact": "serious", "help": "Contrast",
                 "nodes": [{"target": [f"p:nth-child({n})"]} for n in range(5)]}  # fmt: skip
    (line,) = axe.violation_lines([violation])
    assert line.startswith("color-contrast [serious]: Contrast: p:nth-child(0)")
    assert line.endswith("(+2 more)")


def test_report_lists_every_failure_and_marks_the_table():
    """The report's failures name checker, place and message; the table flags a failure."""
    report = Report(base="http://127.0.0.1:9")
    report.nu = {"home": ["line 1: bad"]}
    report.feeds = {"site rss": {"url": FEED_URL, "errors": ["item 1: no guid"]}}
    report.lighthouse = {
        "home": {"desktop": {"scores": {"seo": 92}, "problems": ["seo 92: x"], "allowed": []}}
    }
    assert report.failures() == [
        "Nu HTML · home: line 1: bad",
        f"feed · site rss {FEED_URL}: item 1: no guid",
        "Lighthouse · home desktop: seo 92: x",
    ]
    assert "92!" in report.table()
    assert "FAILED: 3 problem(s)" in report.text()
