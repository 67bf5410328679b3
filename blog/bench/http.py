"""The benchmark's HTTP side: gunicorn and nginx as child processes on loopback ports, wrk
runs against them, and wrk's report read into numbers (parse_wrk: pure, tested)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_SECONDS = 60
FLOOR_PATH = "/bench-floor/"  # served by blog/bench/floor.py only
WRK_THREADS, WRK_CONNECTIONS = 2, 16  # the measurements
WRK_TIMEOUT = "5s"  # a slow page is counted as such, not as a socket error, up to here
WRK_MISSING = (
    "make bench needs wrk, the HTTP load generator: apt-get install wrk (Debian, Ubuntu), "
    "brew install wrk (macOS), or build it from https://github.com/wg/wrk"
)
NGINX_MISSING = "nginx is not installed (apt-get install nginx): the nginx lines are skipped"
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}
_SIZE = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors (connect, read, write, timeout) and non-2xx/3xx answers
    bytes_read: int

    @property
    def bytes_per_request(self) -> int:
        return round(self.bytes_read / self.requests) if self.requests else 0


def milliseconds(text: str) -> float:
    """wrk's durations ("812.00us", "5.10ms", "1.20s", "2.00m") in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    """The numbers of a `wrk --latency` report."""

    def find(pattern: str, default=None):
        match = re.search(pattern, output, re.MULTILINE)
        if match is None and default is None:
            raise ValueError(f"wrk's report has no {pattern!r}:\n{output}")
        return match.groups() if match else default

    (rps,) = find(r"^Requests/sec:\s+([\d.]+)")
    (p50,) = find(r"^\s+50%\s+(\S+)")
    (p99,) = find(r"^\s+99%\s+(\S+)")
    requests, size, unit = find(r"^\s+(\d+) requests in \S+, ([\d.]+)([KMGT]?B) read")
    socket_errors = find(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", ("0",) * 4
    )
    (non_2xx,) = find(r"Non-2xx or 3xx responses: (\d+)", ("0",))
    return WrkResult(
        rps=float(rps),
        p50_ms=milliseconds(p50),
        p99_ms=milliseconds(p99),
        requests=int(requests),
        errors=sum(map(int, socket_errors)) + int(non_2xx),
        bytes_read=round(float(size) * _SIZE[unit]),
    )


def wrk(url: str, seconds: float, headers: dict[str, str]) -> WrkResult:
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds:g}s", "--latency",
        f"--timeout={WRK_TIMEOUT}", url,
    ]  # fmt: skip
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 (our command)
    return parse_wrk(done.stdout)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one GET; 4xx and 5xx are answers too."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (http, loopback)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_for_port(port: int, process: subprocess.Popen, name: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited ({process.returncode}):\n{tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on port {port} in {START_SECONDS} s:\n{tail(log)}")


def tail(log: Path, lines: int = 30) -> str:
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def port_is_free(port: int) -> bool:
    """Nobody listens there (connections of an earlier run waiting out TIME_WAIT are fine:
    gunicorn and nginx bind with SO_REUSEADDR, as this check does)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def stop(process: subprocess.Popen) -> None:
    """TERM, then KILL to the process group `started` made (the server's workers included) if
    it has not ended within 15 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@contextmanager
def started(command: list[str], name: str, port: int, log: Path, **popen):
    """A server in a process group of its own, waited for, and ended (stop()) when the block
    ends. The benchmark's and the tests' servers (tests/servers.py) alike."""
    if not port_is_free(port):
        raise RuntimeError(f"port {port} is taken: set BENCH_PORT to the first of 4 free ports")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our servers, our arguments)
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **popen
        )
    try:
        wait_for_port(port, process, name, log)
        yield process
    finally:
        stop(process)


def control_socket_flags() -> list[str]:
    """gunicorn 27 opens a control socket at one fixed path: a second instance on the machine
    fails on it unless it is turned off (where the option exists)."""
    from gunicorn.config import KNOWN_SETTINGS

    known = any("--no-control-socket" in (s.cli or []) for s in KNOWN_SETTINGS)
    return ["--no-control-socket"] if known else []


def gunicorn(app: str, port: int, env: dict, log: Path):
    """`make serve`'s server: gunicorn, 2 sync workers, debug off (env says so)."""
    command = [
        sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--timeout", "60", "--log-level", "warning",
        *control_socket_flags(),
    ]  # fmt: skip
    return started(command, f"gunicorn {app} on {port}", port, log, env=env)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def nginx_conf(template: str, **values: str) -> str:
    """The config with its @NAME@ placeholders filled in (docs/nginx.conf's header)."""
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", "".join(line.split("#")[0] for line in template.splitlines()))
    if left:
        raise ValueError(f"the nginx config has placeholders the bench does not fill: {left}")
    return template


def nginx(conf: Path, port: int, upstream: int, static_root: Path, prefix: Path):
    """nginx with `conf` in the foreground, its prefix (cache, temporary files, pid, log)
    under `prefix`: nothing of the system's nginx is read or written."""
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)  # started as root, nginx's workers run as nobody
    config = prefix / "nginx.conf"
    config.write_text(
        nginx_conf(
            conf.read_text(encoding="utf-8"),
            LISTEN=f"127.0.0.1:{port}",
            UPSTREAM=f"127.0.0.1:{upstream}",
            STATIC_ROOT=f"{static_root}/",
            MEDIA_ROOT=f"{static_root}/",
        ),
        encoding="utf-8",
    )
    command = [nginx_binary(), "-p", str(prefix), "-c", str(config), "-e", "stderr"]
    return started(command, f"nginx on {port}", port, prefix / "nginx.log", env=os.environ.copy())
