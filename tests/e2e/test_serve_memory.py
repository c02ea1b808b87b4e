"""`groundwork serve` on the memory backend: one worker, so every request sees the same store."""

import json

from tests.e2e.live_server import http, live_server


def test_serve_on_memory_runs_one_worker_whatever_is_asked(tmp_path):
    env = {"GROUNDWORK_BACKEND": "memory", "GROUNDWORK_HOME": str(tmp_path), "SECRET_KEY": "",
           "DATABASE_URL": "", "APP_DATABASE_URL": ""}
    body = {"org_name": "Memory", "slug": "memory", "email": "one@memory.test",
            "full_name": "One Worker", "password": "a long and private passphrase"}
    headers = {"Content-Type": "application/json"}
    with live_server(env, workers=3) as (base, server):
        assert http("POST", f"{base}/api/v1/signup", json.dumps(body).encode(), headers)[0] == 202
        for _ in range(6):  # with several workers, some would not know this account
            status, _ = http("POST", f"{base}/api/v1/auth/login", json.dumps(
                {"email": body["email"], "password": body["password"]}).encode(), headers)
            assert status == 200
    assert "memory backend: serving with 1 worker, not 3" in server.output
    assert server.output.count("Booting worker") == 1
