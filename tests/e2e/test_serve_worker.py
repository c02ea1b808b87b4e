"""`groundwork serve` on PostgreSQL runs a job worker beside the server: what a request queues
is done after the answer (here a mail), and the worker stops when the server does."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from tests.e2e.live_server import NO_ATTEMPT_LIMITS, http, live_server, postgres_env

pytestmark = pytest.mark.postgres


def _mail_to(outbox, address: str, seconds: float = 20) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [p for p in outbox.glob("*.eml") if f"To: {address}" in p.read_text()]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_the_servers_worker_sends_what_a_request_queued_and_stops_with_the_server(
        fresh_database, tmp_path):
    env = postgres_env(fresh_database(), tmp_path, **NO_ATTEMPT_LIMITS)
    with live_server(env, workers=1) as (base, server):
        status, _ = http("POST", f"{base}/api/v1/signup", json.dumps({
            "org_name": "Queue", "slug": "queue", "email": "ada@queue.test",
            "password": "a long and private passphrase", "full_name": "Ada"}).encode(),
            {"Content-Type": "application/json"})
        assert status == 202
        assert _mail_to(tmp_path / "outbox", "ada@queue.test")
        os.kill(server.pid, signal.SIGTERM)  # the server alone: it stops its worker itself
        server.wait(timeout=30)
        with pytest.raises(ProcessLookupError):  # nothing of it is left running
            os.killpg(server.pid, 0)
