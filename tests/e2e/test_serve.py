"""`groundwork serve` as an operator starts it: a real gunicorn server on a free port."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres
GROUNDWORK = Path(sys.executable).parent / "groundwork"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_migrates_and_answers_on_postgres(pg_urls, tmp_path):
    port = _free_port()
    env = {**os.environ, "GROUNDWORK_BACKEND": "postgres", "GROUNDWORK_HOME": str(tmp_path),
           "DATABASE_URL": pg_urls.owner_url.render_as_string(hide_password=False)}
    env.pop("APP_DATABASE_URL", None)
    server = subprocess.Popen([str(GROUNDWORK), "serve", "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _get(f"{base}/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not come up")
        for path in ("/ready", "/docs", "/openapi.json", "/api/v1/system/info"):
            assert _get(base + path)[0] == 200, path
        status, body = _get(f"{base}/nope")
        assert status == 404 and b'"status": 404' in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=20)[0].decode()
    assert "Shutting down" in output
