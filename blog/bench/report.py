"""What `make bench` reports: ratios to the floor, the goals of issue 11, the printed table and
var/bench.json. Pure functions of the measurements."""

from dataclasses import asdict, dataclass, field

from .http import WrkResult
from .search import pad

# The goals, as ratios to the floor's requests/s (and p99 under load, cache on).
HIT_RATIO, POST_MISS_RATIO, MISS_RATIO = 0.85, 0.30, 0.15
HIT_P99_MS = 50.0
NGINX_RATIO = 0.5  # behind nginx's micro-cache, of nginx serving the same bytes from disk


def ratio(rps: float | None, reference: float | None) -> float | None:
    if rps is None or not reference:
        return None
    return round(rps / reference, 3)


def goal(name: str, cache: str) -> float:
    if cache == "hit":
        return HIT_RATIO
    return POST_MISS_RATIO if "post" in name else MISS_RATIO


@dataclass
class Row:
    name: str
    cache: str  # "hit" or "miss"
    status: int
    queries: int | None
    result: WrkResult | None = None  # None: not loaded (the page did not answer 200)
    ratio_to_floor: float | None = None

    def as_dict(self) -> dict:
        r = self.result
        return {
            "name": self.name,
            "cache": self.cache,
            "rps": r and round(r.rps, 1),
            "p50_ms": r and round(r.p50_ms, 2),
            "p99_ms": r and round(r.p99_ms, 2),
            "queries": self.queries,
            "ratio_to_floor": self.ratio_to_floor,
            "status": self.status,
            "errors": r and r.errors,
            "bytes": r and r.bytes_per_request,
            "goal_ratio": goal(self.name, self.cache),
        }

    def verdicts(self) -> list[str]:
        """What misses the issue's goals."""
        if self.result is None:
            return [f"HTTP {self.status}"]
        notes = []
        if self.ratio_to_floor is not None and self.ratio_to_floor < goal(self.name, self.cache):
            notes.append(f"< {goal(self.name, self.cache):g}")
        if self.cache == "hit" and self.result.p99_ms >= HIT_P99_MS:
            notes.append(f"p99 ≥ {HIT_P99_MS:g} ms")
        if self.result.errors:
            notes.append(f"{self.result.errors} errors")
        return notes


@dataclass
class Report:
    database: str
    database_detail: str
    n_posts: int
    seconds: float
    floor: WrkResult
    rows: list[Row]
    nginx: WrkResult | None = None  # nginx serving the post page's bytes from disk
    # (target, through nginx's micro-cache, nginx serving the same bytes from disk)
    nginx_rows: list[tuple[str, WrkResult, WrkResult]] = field(default_factory=list)
    admin: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        for row in self.rows:
            row.ratio_to_floor = ratio(row.result and row.result.rps, self.floor.rps)

    def as_json(self) -> dict:
        return {
            "database": self.database,
            "database_detail": self.database_detail,
            "n_posts": self.n_posts,
            "seconds": self.seconds,
            "floor_rps": round(self.floor.rps, 1),
            "floor": asdict(self.floor),
            "nginx_rps": self.nginx and round(self.nginx.rps, 1),
            "nginx": [
                {
                    "name": name,
                    "rps": round(result.rps, 1),
                    "p50_ms": round(result.p50_ms, 2),
                    "p99_ms": round(result.p99_ms, 2),
                    "disk_rps": round(disk.rps, 1),
                    "ratio_to_nginx": ratio(result.rps, disk.rps),
                    "errors": result.errors,
                }
                for name, result, disk in self.nginx_rows
            ],
            "targets": [row.as_dict() for row in self.rows],
            "admin": self.admin,
            "notes": self.notes,
        }

    def table(self) -> str:
        def number(value, digits=1):
            return "-" if value is None else f"{value:,.{digits}f}"

        head = f"{'target':<24} {'cache':<5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'queries':>7} {'×floor':>7}"
        lines = [
            f"{self.n_posts:,} posts on {self.database_detail}; wrk {self.seconds:g} s a run",
            "",
            head,
            "-" * len(head),
        ]
        for row in self.rows:
            r = row.result
            lines.append(
                f"{pad(row.name, 24)} {row.cache:<5} {number(r and r.rps):>9} "
                f"{number(r and r.p50_ms, 2):>8} {number(r and r.p99_ms, 2):>8} "
                f"{number(row.queries, 0):>7} {number(row.ratio_to_floor, 3):>7}"
                + ("  " + ", ".join(row.verdicts()) if row.verdicts() else "")
            )
        f = self.floor
        lines += [
            "-" * len(head),
            f"{'floor (30 KB view)':<30} {f.rps:>9,.1f} {f.p50_ms:>8.2f} {f.p99_ms:>8.2f}",
        ]
        for name, result, disk in self.nginx_rows:
            share = ratio(result.rps, disk.rps)
            flag = f"  < {NGINX_RATIO:g}" if share is not None and share < NGINX_RATIO else ""
            lines += [
                f"{pad('nginx: ' + name + ' from disk', 30)} {disk.rps:>9,.1f} "
                f"{disk.p50_ms:>8.2f} {disk.p99_ms:>8.2f}   ×floor {ratio(disk.rps, f.rps)}",
                f"{pad('nginx → ' + name, 30)} {result.rps:>9,.1f} {result.p50_ms:>8.2f} "
                f"{result.p99_ms:>8.2f}   ×disk {share}{flag}",
            ]
        if self.admin:
            lines += ["", "admin (in-process, median ms)"]
            for timing in self.admin:
                over = "" if timing["ms"] < timing["goal_ms"] else f"  ≥ {timing['goal_ms']:g} ms"
                lines.append(
                    f"  {pad(timing['name'], 30)} {timing['ms']:>9,.1f} ms  {timing['queries']:>4} queries"
                    + (f"  HTTP {timing['status']}" if timing["status"] >= 400 else "")
                    + over
                )
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)
