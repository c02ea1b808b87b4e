"""`groundwork serve` on PostgreSQL runs a job worker beside the server: what a request queues
is done after the answer (here a mail), and the worker stops when the server does."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
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


def _workers_of(server) -> list[int]:
    listed = subprocess.run([shutil.which("ps"), "-ww", "-o", "pid=,args=", "-g", str(server.pid)],
                            capture_output=True, text=True, check=True).stdout
    return [int(line.split()[0]) for line in listed.splitlines() if line.rstrip().endswith(" worker")]


def test_a_worker_that_dies_is_started_again_and_the_queue_moves_on(fresh_database, tmp_path):
    env = postgres_env(fresh_database(), tmp_path, **NO_ATTEMPT_LIMITS)
    with live_server(env, workers=1) as (base, server):
        deadline = time.monotonic() + 20
        while not (first := _workers_of(server)) and time.monotonic() < deadline:
            time.sleep(0.1)
        [worker] = first
        os.kill(worker, signal.SIGKILL)  # as when its database is restored under it
        status, _ = http("POST", f"{base}/api/v1/signup", json.dumps({
            "org_name": "Again", "slug": "again", "email": "bo@again.test",
            "password": "a long and private passphrase", "full_name": "Bo"}).encode(),
            {"Content-Type": "application/json"})
        assert status == 202
        assert _mail_to(tmp_path / "outbox", "bo@again.test", seconds=30)
        [restarted] = _workers_of(server)
        assert restarted != worker


def test_a_web_worker_that_exits_leaves_the_job_worker_alone(fresh_database, tmp_path):
    """A gunicorn worker leaves through serve's `finally` too: it must not stop the job worker."""
    env = postgres_env(fresh_database(), tmp_path, **NO_ATTEMPT_LIMITS)
    with live_server(env, workers=2) as (_, server):
        deadline = time.monotonic() + 20
        while not (jobs := _workers_of(server)) and time.monotonic() < deadline:
            time.sleep(0.1)
        listed = subprocess.run([shutil.which("ps"), "-ww", "-o", "pid=,ppid=,args=", "-g",
                                 str(server.pid)], capture_output=True, text=True).stdout
        web = [int(line.split()[0]) for line in listed.splitlines()
               if int(line.split()[1]) == server.pid and " serve " in line]
        os.kill(web[0], signal.SIGTERM)  # gunicorn starts another in its place
        time.sleep(3)
        assert _workers_of(server) == jobs
