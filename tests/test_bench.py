"""make bench's own parts, without wrk or servers: reading wrk's report, the ratios and goals,
var/bench.json's shape, the nginx config's placeholders, and the targets and admin timings
found on a small corpus (every one answers, nothing is left changed)."""

import pytest
from django.urls import Resolver404, resolve

from blog.bench import corpus, editors, targets
from blog.bench.http import FLOOR_PATH, WrkResult, milliseconds, nginx_conf, parse_wrk
from blog.bench.report import Report, Row
from blog.models import Post

WRK = """Running 10s test @ http://127.0.0.1:8765/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    20.50ms    5.12ms  80.21ms   75.10%
    Req/Sec   392.11     40.32   480.00     70.00%
  Latency Distribution
     50%  741.00us
     75%   22.10ms
     90%   26.30ms
     99%    1.20s
  7821 requests in 10.01s, 215.37MB read
  Socket errors: connect 0, read 1, write 0, timeout 3
  Non-2xx or 3xx responses: 2
Requests/sec:    781.32
Transfer/sec:     21.52MB
"""
WRK_CLEAN = """Running 1s test @ http://127.0.0.1:8810/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.91ms    3.05ms  19.05ms   75.21%
    Req/Sec   342.85     82.63   494.00     60.00%
  Latency Distribution
     50%    5.09ms
     75%    7.55ms
     90%   10.48ms
     99%   15.26ms
  684 requests in 1.00s, 4.40MB read
Requests/sec:    681.74
Transfer/sec:      4.39MB
"""


def result(rps: float, p99: float = 10.0) -> WrkResult:
    return WrkResult(rps=rps, p50_ms=5.0, p99_ms=p99, requests=100, errors=0, bytes_read=3000)


def test_wrk_report_is_read_with_its_units_and_errors():
    """req/s, p50 and p99 in ms whatever wrk's unit (us, ms, s), socket errors and non-2xx
    answers counted as errors, bytes per request."""
    read = parse_wrk(WRK)
    assert (read.rps, read.p50_ms, read.p99_ms) == (781.32, 0.741, 1200.0)
    assert (read.requests, read.errors) == (7821, 6)
    assert read.bytes_per_request == round(215.37 * 1024**2 / 7821)
    clean = parse_wrk(WRK_CLEAN)
    assert (clean.rps, clean.p50_ms, clean.p99_ms, clean.errors) == (681.74, 5.09, 15.26, 0)


def test_a_report_that_is_not_wrks_is_an_error_not_zeros():
    """A crashed or changed wrk must not be read as a page serving nothing."""
    with pytest.raises(ValueError, match="Requests/sec"):
        parse_wrk("unable to connect to 127.0.0.1:8765 Connection refused")
    with pytest.raises(ValueError):
        milliseconds("fast")
    assert milliseconds("2.00m") == 120000.0


def test_ratios_goals_and_the_json_shape():
    """Each target's ratio to the floor in the same run, the issue's goals flagged, and the
    keys var/bench.json promises."""
    rows = [
        Row("post (8 tags)", "miss", 200, 6, result(290.0)),
        Row("post (8 tags)", "hit", 200, 1, result(900.0, p99=60.0)),
        Row("home", "miss", 200, 5, result(160.0)),
        Row("search", "miss", 404, 3),
    ]
    report = Report("postgresql", "PostgreSQL 15", 100000, 10, result(1000.0), rows,
                    nginx=result(16000.0),
                    nginx_rows=[("post (8 tags)", result(7000.0), result(16000.0))])  # fmt: skip
    data = report.as_json()
    assert {"database", "n_posts", "floor_rps", "targets", "nginx_rps", "admin"} <= data.keys()
    assert (data["database"], data["n_posts"], data["floor_rps"]) == ("postgresql", 100000, 1000.0)
    assert data["nginx_rps"] == 16000.0 and data["nginx"][0]["ratio_to_nginx"] == 0.438
    first = data["targets"][0]
    assert {"name", "cache", "rps", "p50_ms", "p99_ms", "queries", "ratio_to_floor"} <= first.keys()
    assert [t["ratio_to_floor"] for t in data["targets"]] == [0.29, 0.9, 0.16, None]
    assert [t["cache"] for t in data["targets"]] == ["miss", "hit", "miss", "miss"]
    assert rows[0].verdicts() == ["< 0.3"]  # a post page's miss: 0.30 of the floor
    assert rows[1].verdicts() == ["p99 ≥ 50 ms"]  # a hit: 0.85, and p99 under 50 ms
    assert rows[2].verdicts() == []  # a list page's miss: 0.15
    assert rows[3].verdicts() == ["HTTP 404"]
    table = report.table()
    assert "floor (30 KB view)" in table and "×disk 0.438  < 0.5" in table


def test_nginx_config_placeholders_are_all_filled_or_refused():
    """docs/nginx.conf's @NAME@ placeholders are filled in; one the bench does not know of is
    an error, not a broken nginx."""
    config = "listen @LISTEN@;  # @COMMENTED@ is ignored\nserver @UPSTREAM@;\n"
    assert nginx_conf(config, LISTEN="127.0.0.1:8803", UPSTREAM="127.0.0.1:8802") == (
        "listen 127.0.0.1:8803;  # @COMMENTED@ is ignored\nserver 127.0.0.1:8802;\n"
    )
    with pytest.raises(ValueError, match="@UPSTREAM@"):
        nginx_conf(config, LISTEN="127.0.0.1:8803")


def test_the_floor_view_is_not_part_of_the_site():
    """Only blog/bench/floor.py's WSGI application has the floor URL."""
    with pytest.raises(Resolver404):
        resolve(FLOOR_PATH)


@pytest.mark.django_db
def test_targets_on_a_corpus_all_answer_and_have_their_queries_counted():
    """Every target found on a generated corpus answers 200 in-process; a post target is
    named as such; a hit is answered with fewer queries than a cold miss."""
    corpus.generate(45, seed=11)
    plan = targets.discover()
    names = [t.name for t in plan.targets]
    assert len(names) == len(set(names)) == 14
    assert any("post" in name for name in names)
    assert plan.post.tag_links.filter(tag=plan.tag).exists()
    misses = targets.count_queries(plan.targets, page_cache=False)
    hits = targets.count_queries(plan.targets, page_cache=True)
    assert {name: c.status for name, c in misses.items()} == dict.fromkeys(names, 200)
    assert all(hits[name].queries < misses[name].queries for name in names)


@pytest.mark.django_db
def test_admin_timings_answer_and_leave_every_post_published():
    """Each admin measurement answers (the bulk actions redirect), and the bulk unpublish is
    undone: the corpus stays whole for the next run."""
    corpus.generate(30, seed=12)
    plan = targets.discover()
    timings = editors.measure(plan.post, plan.tag.pk, runs=1)
    assert [t.status for t in timings[:-2]] == [200] * (len(timings) - 2)
    assert [t.status for t in timings[-2:]] == [302, 302]
    assert Post.objects.published().count() == 30


@pytest.mark.parametrize("command", ["measure_misses", "bench_site"])
def test_a_benchmark_without_collected_static_files_says_what_to_run(command, settings, tmp_path):
    """With debug off and no collectstatic, the benchmarks stop at once with the command to
    run, not a traceback from the first page's missing manifest entry."""
    from django.core.management import CommandError, call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with pytest.raises(CommandError, match="collectstatic"):
        call_command(command)
