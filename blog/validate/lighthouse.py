"""Lighthouse 12, desktop and mobile, on one page of each type (validate/lighthouse.mjs runs
them with one Chromium), and the rule that reads its results: every category shows 100, as
Lighthouse rounds it, except SEO on the pages that ask not to be indexed, which may lose the
is-crawlable audit and nothing else. Performance alone varies from run to run (a busy
machine): a page below 100 there is run twice more and judged on the median of the three, as
Lighthouse's own documentation advises."""

import json
import math
import shutil
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FORMS = ("desktop", "mobile")
# Pages that carry <meta name="robots" content="noindex"> on purpose (search results: endless
# and thin); nothing else may.
NOINDEX_KINDS = frozenset({"search"})
NOINDEX_AUDIT = "is-crawlable"
RUNNER = Path(__file__).resolve().parent.parent.parent / "validate" / "lighthouse.mjs"
PERFORMANCE_RUNS = 3


def shown(score: float | None) -> int | None:
    """The score as Lighthouse shows it (JavaScript's Math.round, not Python's banker's)."""
    return None if score is None else math.floor(score * 100 + 0.5)


def failing_audits(lhr: dict, category: str) -> list[str]:
    """The ids of the audits that cost `category` points (weighted, scored below 1)."""
    audits = lhr.get("audits", {})
    failing = []
    for ref in lhr["categories"][category].get("auditRefs", []):
        audit = audits.get(ref["id"], {})
        if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
            failing.append(ref["id"])
    return failing


@dataclass
class Result:
    """One page at one form factor: each category's shown score and what is wrong."""

    scores: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    allowed: list = field(default_factory=list)  # noted, not failures (the noindex exception)


def judge(lhr: dict, kind: str) -> Result:
    """Scores and failures of one Lighthouse result for a page of type `kind`."""
    result = Result()
    if lhr.get("runtimeError"):
        error = lhr["runtimeError"]
        result.problems.append(f"Lighthouse failed: {error.get('code')} {error.get('message', '')}")
        return result
    for category in CATEGORIES:
        entry = lhr.get("categories", {}).get(category)
        score = shown(entry["score"]) if entry else None
        result.scores[category] = score
        if score is None:
            warnings = "; ".join(lhr.get("runWarnings", [])) or "no score"
            result.problems.append(f"{category}: not scored ({warnings})")
            continue
        if score == 100:
            continue
        failing = failing_audits(lhr, category)
        if category == "seo" and kind in NOINDEX_KINDS and failing == [NOINDEX_AUDIT]:
            result.allowed.append(f"seo {score}: {NOINDEX_AUDIT} only (noindex on purpose)")
            continue
        titles = [f"{a} ({lhr['audits'][a].get('title', '')})" for a in failing]
        result.problems.append(f"{category} {score}: {', '.join(titles) or 'no failing audit?'}")
    return result


def median_performance(lhrs: list[dict]) -> float | None:
    """The median performance score of several runs of one page (None if any has none)."""
    scores = [lhr.get("categories", {}).get("performance", {}).get("score") for lhr in lhrs]
    if any(score is None for score in scores):
        return None
    return statistics.median(scores)


def run(jobs: list[dict], out: Path, log: Path) -> dict:
    """Run `jobs` ({"name", "url", "form"}); the LHR of each, by (name, form)."""
    out.mkdir(parents=True, exist_ok=True)
    jobs_file = out / "jobs.json"
    jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
    with log.open("ab") as output:
        subprocess.run(  # noqa: S603 (our runner and arguments); failures are in the results
            [shutil.which("node") or "node", str(RUNNER), str(jobs_file), str(out)], stdout=output,
            stderr=subprocess.STDOUT, timeout=1800, check=False,
        )  # fmt: skip
    results = {}
    for job in jobs:
        path = out / f"{job['name']}-{job['form']}.json"
        missing = {"runtimeError": {"code": "NO_RESULT", "message": f"see {log}"}}
        results[job["name"], job["form"]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.exists() else missing
        )
    return results


def check(pages: list, base: str, out: Path, log: Path) -> dict:
    """Every Lighthouse page at both form factors, judged; {(page name, form): Result}."""
    jobs = [
        {"name": f"p{index}", "url": base + page.path, "form": form, "page": page}
        for index, page in enumerate(pages)
        for form in FORMS
    ]
    first = run([_plain(job) for job in jobs], out, log)
    # A run that failed to record its trace (NO_NAVSTART, a busy machine) is run once more.
    failed = [job for job in jobs if first[job["name"], job["form"]].get("runtimeError")]
    if failed:
        retried = run([{**_plain(job), "name": f"{job['name']}r"} for job in failed], out, log)
        first.update({(job["name"], job["form"]): retried[f"{job['name']}r", job["form"]]
                      for job in failed})  # fmt: skip
    lhrs = {key: [lhr] for key, lhr in first.items()}
    again = [
        job for job in jobs
        if shown(median_performance(lhrs[job["name"], job["form"]]) or 0) != 100
        and not first[job["name"], job["form"]].get("runtimeError")
    ]  # fmt: skip
    for attempt in range(2, PERFORMANCE_RUNS + 1):
        if not again:
            break
        more = run([{**_plain(job), "name": f"{job['name']}r{attempt}"} for job in again], out, log)
        for job in again:
            lhrs[job["name"], job["form"]].append(more[f"{job['name']}r{attempt}", job["form"]])
    results = {}
    for job in jobs:
        runs = lhrs[job["name"], job["form"]]
        result = judge(runs[0], job["page"].kind)
        if len(runs) > 1 and result.scores.get("performance") is not None:
            # Performance as the median of the runs; the other categories do not vary.
            median = median_performance(runs)
            result.problems = [p for p in result.problems if not p.startswith("performance")]
            result.scores["performance"] = shown(median)
            if median is None or shown(median) != 100:
                worst = [judge(lhr, job["page"].kind) for lhr in runs]
                detail = "; ".join(p for w in worst for p in w.problems if p.startswith("perf"))
                result.problems.insert(
                    0, f"performance {shown(median)} (median of {len(runs)}): {detail}"
                )
            else:
                result.allowed.append(f"performance: median of {len(runs)} runs")
        results[job["page"].name, job["form"]] = result
    return results


def _plain(job: dict) -> dict:
    return {"name": job["name"], "url": job["url"], "form": job["form"]}
