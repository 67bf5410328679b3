"""Real app servers for the tests that need more than one process: gunicorn on a free port,
with an environment of the test's own (settings come from it, as in production)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**env) -> dict:
    """This process's environment without its Django, database and cache settings, plus `env`."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "BLOG_"))
    }
    return {"DJANGO_SECRET_KEY": "server-test-key-" + "x" * 40, "DJANGO_DEBUG": "0", **keep, **env}


def manage(env: dict, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback only)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@contextmanager
def gunicorn(env: dict, workers: int = 1):
    """A gunicorn serving the site with `env`; yields its base URL, and stops it after."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "site_config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "30", "--no-control-socket"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(
                        f"gunicorn exited: {server.stderr.read().decode()}"
                    ) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
