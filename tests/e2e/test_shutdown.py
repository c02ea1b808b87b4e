"""SIGTERM to `groundwork serve`: requests under way finish, then it stops, and the embedded
PostgreSQL it started stops with it."""

import json
import signal
import threading
import time

import psutil
import pytest
from sqlalchemy import create_engine, text

from tests.e2e.live_server import NO_ATTEMPT_LIMITS, http, live_server, postgres_env

pytestmark = pytest.mark.postgres
JSON = {"Content-Type": "application/json"}


def _signed_in(base: str, slug: str) -> str:
    body = {"org_name": "Shutdown", "slug": slug, "email": f"ops@{slug}.test", "full_name": "Ops",
            "password": "a long and private passphrase"}
    assert http("POST", f"{base}/api/v1/signup", json.dumps(body).encode(), JSON)[0] == 202
    status, answer = http("POST", f"{base}/api/v1/auth/login", json.dumps(
        {"email": body["email"], "password": body["password"]}).encode(), JSON)
    assert status == 200
    return json.loads(answer)["access_token"]


def test_sigterm_lets_a_request_under_way_finish_then_stops(pg_urls, tmp_path, unique_slug):
    slug = unique_slug("sigterm")
    with live_server(postgres_env(pg_urls, tmp_path, **NO_ATTEMPT_LIMITS), workers=1) as (base, server):
        token = _signed_in(base, slug)
        owner = create_engine(pg_urls.owner_url)
        answers: list[int] = []
        with owner.begin() as conn:  # the request waits on this lock: it is under way, and slow
            conn.execute(text("LOCK TABLE org IN ACCESS EXCLUSIVE MODE"))
            slow = threading.Thread(target=lambda: answers.append(http(
                "GET", f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})[0]))
            slow.start()
            time.sleep(1)
            server.send_signal(signal.SIGTERM)
            time.sleep(1)
            assert server.poll() is None, "it stopped before the request under way finished"
        slow.join(timeout=15)
        owner.dispose()
        assert answers == [200]
        assert server.wait(timeout=15) == 0
    assert "Shutting down" in server.output


def _ended(pid: int, within: float = 5) -> bool:
    """Gone, or a zombie waiting for init to reap it: the postmaster removes its pid file last."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def test_sigterm_stops_the_embedded_postgres_cleanly(tmp_path):
    home = tmp_path / "gw"
    env = {"GROUNDWORK_BACKEND": "postgres", "GROUNDWORK_HOME": str(home), "DATABASE_URL": "",
           "APP_DATABASE_URL": "", "SECRET_KEY": "s" * 48, "LOG_LEVEL": "WARNING"}
    with live_server(env, workers=1) as (base, server):
        assert http("GET", f"{base}/api/v1/system/info")[0] == 200
        postmaster = int((home / "pgdata" / "postmaster.pid").read_text().split()[0])
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    assert _ended(postmaster)
    assert not (home / "pgdata" / "postmaster.pid").exists()
    log = (home / "pgdata" / "log").read_text()
    assert "database system is shut down" in log and "PANIC" not in log
