"""Content health checks (being written: see issue 4)."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def check_post(post) -> list[Finding]:
    return []


def overall(findings) -> str:
    severities = {finding.severity for finding in findings}
    return "error" if "error" in severities else "warning" if severities else "ok"
