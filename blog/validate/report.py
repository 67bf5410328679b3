"""The run's report: the Lighthouse table (page × form factor × category), one line per other
checker, every failure listed by page, checker and message; and the same as JSON."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .lighthouse import CATEGORIES, FORMS

SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "bp", "seo": "seo"}


@dataclass
class Report:
    base: str = ""
    pages: list = field(default_factory=list)  # {name, kind, path, status}
    fetch: dict = field(default_factory=dict)  # page name -> problems
    nu: dict = field(default_factory=dict)  # document name -> errors
    nu_documents: int = 0
    axe: dict = field(default_factory=dict)  # "page @ viewport" -> violations
    feeds: dict = field(default_factory=dict)  # feed name -> {"url", "errors"}
    lighthouse: dict = field(default_factory=dict)  # page name -> form -> Result as a dict
    skipped: list = field(default_factory=list)
    seconds: float = 0.0

    def failures(self) -> list[str]:
        """Every failure as "checker · where: message"."""
        lines = [f"fetch · {page}: {p}" for page, problems in self.fetch.items() for p in problems]
        lines += [f"Nu HTML · {doc}: {e}" for doc, errors in self.nu.items() for e in errors]
        lines += [f"axe · {where}: {v}" for where, found in self.axe.items() for v in found]
        lines += [
            f"feed · {name} {feed['url']}: {e}"
            for name, feed in self.feeds.items()
            for e in feed["errors"]
        ]
        lines += [
            f"Lighthouse · {page} {form}: {p}"
            for page, forms in self.lighthouse.items()
            for form, result in forms.items()
            for p in result["problems"]
        ]
        return lines

    def table(self) -> str:
        """page × form factor × category, as Lighthouse shows the scores ('*': an allowed
        exception, see the notes; '!': a failure)."""
        head = "  ".join(f"{SHORT[c]:>4}" for c in CATEGORIES)
        width = max([len(name) for name in self.lighthouse] + [24])
        lines = [
            f"{'Lighthouse 12':<{width}}  " + "   ".join(f"{form:<{len(head)}}" for form in FORMS),
            f"{'':<{width}}  " + "   ".join(head for _ in FORMS),
        ]
        for page, forms in self.lighthouse.items():
            cells = []
            for form in FORMS:
                result = forms.get(form, {"scores": {}, "problems": [], "allowed": []})
                marks = []
                for category in CATEGORIES:
                    score = result["scores"].get(category)
                    text = "—" if score is None else str(score)
                    if any(p.startswith(category) for p in result["problems"]):
                        text += "!"
                    elif any(a.startswith(category) for a in result["allowed"]):
                        text += "*"
                    marks.append(f"{text:>4}")
                cells.append("  ".join(marks))
            lines.append(f"{page:<{width}}  " + "   ".join(cells))
        return "\n".join(lines)

    def notes(self) -> list[str]:
        return [
            f"{page} {form}: {note}"
            for page, forms in self.lighthouse.items()
            for form, result in forms.items()
            for note in result["allowed"]
        ]

    def text(self) -> str:
        failures = self.failures()
        nu_errors = sum(len(e) for e in self.nu.values())
        axe_found = sum(len(v) for v in self.axe.values())
        feed_errors = sum(len(f["errors"]) for f in self.feeds.values())
        kinds = sorted({p["kind"] for p in self.pages})
        lines = [
            f"make validate: {len(self.pages)} pages ({', '.join(kinds)}) at {self.base}",
            "",
            self.table(),
            *(f"  * {note}" for note in self.notes()),
            "",
            f"Nu HTML checker: {self.nu_documents} documents (pages, CSS, SVG): {nu_errors} errors",
            f"axe-core (WCAG 2.2 AA): {len(self.axe)} page×viewport runs: {axe_found} violations",
            f"feeds: {len(self.feeds)} ({', '.join(sorted(self.feeds))}): {feed_errors} errors",
            *(f"skipped: {s}" for s in self.skipped),
            f"{self.seconds:.0f} s",
            "",
        ]
        if failures:
            lines += [f"FAILED: {len(failures)} problem(s)", *(f"  {f}" for f in failures)]
        else:
            lines.append("OK: every checker passed")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {**asdict(self), "failures": self.failures()}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
