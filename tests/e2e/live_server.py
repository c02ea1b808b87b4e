"""Start `groundwork serve` as an operator would, on a free loopback port, for e2e tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

GROUNDWORK = Path(sys.executable).parent / "groundwork"
# Sign-in and sign-up caps lifted, for a run that signs in far more often than a person would.
NO_ATTEMPT_LIMITS = {"LOGIN_LIMIT_PER_ACCOUNT": "100000/minute",
                     "LOGIN_LIMIT_PER_IP": "100000/minute",
                     "LOGIN_LIMIT_PER_ACCOUNT_ALL": "100000/minute",
                     "SIGNUP_LIMIT_PER_IP": "100000/minute"}


def postgres_env(urls, home, **extra: str) -> dict[str, str]:
    """The environment of `groundwork serve` on the tests' database, as an operator sets it: the
    owner's URL (the server derives the app login), a home for the outbox, a signing key."""
    return {"GROUNDWORK_BACKEND": "postgres", "GROUNDWORK_HOME": str(home),
            "DATABASE_URL": urls.owner_url.render_as_string(hide_password=False),
            "APP_DATABASE_URL": "", "SECRET_KEY": "s" * 48, "LOG_LEVEL": "WARNING", **extra}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextlib.contextmanager
def live_server(env: dict[str, str], *, workers: int = 2):
    """Yields (base_url, process); stops the whole process group afterwards, then sets the
    process's `output`. The output goes to a file, so a chatty server never blocks on a full pipe."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after the process ends
    server = subprocess.Popen([str(GROUNDWORK), "serve", "--port", str(port), "--workers", str(workers)],
                              env={**os.environ, **env}, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if http("GET", f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not come up")
            time.sleep(0.2)
        yield base, server
    finally:
        with contextlib.suppress(ProcessLookupError):  # a test may have stopped it already
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.seek(0)
        server.output = log.read().decode(errors="replace")
        log.close()
