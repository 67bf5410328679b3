"""The Nu HTML checker (npm vnu-jar, run with Java) on the pages as the server sent them, and
on the site's stylesheets and SVG: one Java run over a folder of fetched files, so no local
address has to be allowed to it. Only errors count (--errors-only)."""

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

VNU_JAR = (
    Path(__file__).resolve().parent.parent.parent
    / "validate" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)  # fmt: skip


def write(folder: Path, documents: dict[str, tuple[str, bytes]]) -> dict[str, str]:
    """Each document ({name: (extension, body)}) as a file of the folder; {file path: name}."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for number, (name, (extension, body)) in enumerate(documents.items()):
        path = folder / f"{number:03d}.{extension}"
        path.write_bytes(body)
        files[str(path.resolve())] = name
    return files


def command(folder: Path) -> list[str]:
    return [
        "java", "-Xss2m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout",
        "--also-check-css", "--also-check-svg", str(folder),
    ]  # fmt: skip


def start(folder: Path) -> subprocess.Popen:
    """The checker, started (it runs while the browser checks go on); finish() reads it."""
    return subprocess.Popen(  # noqa: S603 (our command)
        command(folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def finish(process: subprocess.Popen, files: dict[str, str]) -> dict[str, list[str]]:
    out, err = process.communicate(timeout=600)
    try:
        report = json.loads(out or b"{}")
    except ValueError:
        return {"(vnu)": [f"the checker's output is not JSON: {(out or err)[:500]!r}"]}
    errors = errors_by_document(report, files)
    if process.returncode not in (0, 1) or (not report and err):
        errors.setdefault("(vnu)", []).append(err.decode(errors="replace")[-500:])
    return errors


def errors_by_document(report: dict, files: dict[str, str]) -> dict[str, list[str]]:
    """The checker's JSON report as {document name: ["line N: message «extract»"...]}: errors
    and non-document errors (a file it could not read) only, never info or warnings."""
    errors: dict[str, list[str]] = {}
    for message in report.get("messages", []):
        if message.get("type") not in ("error", "non-document-error"):
            continue
        path = unquote(urlparse(message.get("url", "")).path)
        name = files.get(path, path or "(vnu)")
        line = f"line {message['lastLine']}: " if "lastLine" in message else ""
        extract = (message.get("extract") or "").strip().replace("\n", " ")[:120]
        text = f"{line}{message.get('message', '')}" + (f" «{extract}»" if extract else "")
        errors.setdefault(name, []).append(text)
    return errors
