"""The benchmark's server: bench/wsgi.py under gunicorn on a free loopback port, and its database."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from adapters.postgres.migrator import Migrator
from adapters.postgres.server import DatabaseUrls, ensure_database, start_embedded, stop_embedded
from bench.load import HOST

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
THREADS = 4


@contextlib.contextmanager
def embedded_database(prefix: str, name: str = "gw_bench") -> Iterator[tuple[DatabaseUrls, Path]]:
    """A migrated database on an embedded PostgreSQL in a new temporary directory (yielded with
    it, for the bench's other files); the server stops and the directory goes afterwards."""
    tmpdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        server_url = start_embedded(tmpdir / "pgdata")
        ensure_database(server_url, name)
        urls = DatabaseUrls.for_server(server_url, name)
        migrator = Migrator(urls.owner_url)
        migrator.upgrade()
        migrator.dispose()
        yield urls, tmpdir
    finally:
        stop_embedded(tmpdir / "pgdata")
        shutil.rmtree(tmpdir, ignore_errors=True)


def start(urls: DatabaseUrls, tmpdir: Path, secret_key: str) -> tuple[subprocess.Popen, int, Path]:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    env = {**os.environ,
           "GROUNDWORK_BACKEND": "postgres",
           "DATABASE_URL": urls.owner_url.render_as_string(hide_password=False),
           "APP_DATABASE_URL": urls.app_url.render_as_string(hide_password=False),
           "SECRET_KEY": secret_key,
           "LOG_LEVEL": "WARNING",
           "LOGIN_LIMIT_PER_ACCOUNT": "1000000/minute",
           "LOGIN_LIMIT_PER_IP": "1000000/minute",
           "LOGIN_LIMIT_PER_ACCOUNT_ALL": "1000000/minute",
           "GROUNDWORK_HOME": str(tmpdir / "home")}
    env.pop("REDIS_URL", None)
    log_path = tmpdir / "gunicorn.log"
    command = [str(Path(sys.executable).parent / "gunicorn"), "--chdir", str(ROOT),
               "--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--worker-class", "gthread",
               "--threads", str(THREADS), "--graceful-timeout", "10", "--log-level", "warning",
               "bench.wsgi:app"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if request(port, "GET", "/health")[0] == 200:
                    break
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn did not come up:\n{tail(log_path)}")
            time.sleep(0.2)
    except BaseException:
        stop(server)
        raise
    return server, port, log_path


def stop(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            body: dict | None = None) -> tuple[int, object]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        payload = json.dumps(body) if body is not None else None
        conn.request(method, path, body=payload,
                     headers={**(headers or {}), **({"Content-Type": "application/json"} if payload else {})})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def settle(urls: DatabaseUrls) -> None:
    """Fresh statistics, and no checkpoint of the inserts landing inside a measurement."""
    engine = create_engine(urls.owner_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
            with contextlib.suppress(DBAPIError):  # needs pg_checkpoint on a shared server
                conn.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()
