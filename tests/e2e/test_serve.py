"""`groundwork serve` as an operator starts it: a real gunicorn server on a free port."""

import pytest

from tests.e2e.live_server import http, live_server, postgres_env

pytestmark = pytest.mark.postgres


def test_serve_migrates_and_answers_on_postgres(pg_urls, tmp_path):
    env = postgres_env(pg_urls, tmp_path, LOG_LEVEL="INFO")
    with live_server(env, workers=1) as (base, server):
        for path in ("/ready", "/docs", "/openapi.json", "/api/v1/system/info"):
            assert http("GET", base + path)[0] == 200, path
        status, body = http("GET", f"{base}/nope")
        assert status == 404 and b'"status": 404' in body
    assert "Shutting down" in server.output
    assert f"database: {pg_urls.app_url.host}:{pg_urls.app_url.port}/" in server.output
    assert "schema migrated to " in server.output


def test_serve_refuses_to_start_without_a_secret_key_on_a_real_database(pg_urls, tmp_path):
    import os
    import subprocess

    from tests.e2e.live_server import GROUNDWORK

    env = {**os.environ, "GROUNDWORK_BACKEND": "postgres", "GROUNDWORK_HOME": str(tmp_path),
           "DATABASE_URL": pg_urls.owner_url.render_as_string(hide_password=False), "SECRET_KEY": ""}
    result = subprocess.run([str(GROUNDWORK), "serve", "--port", "1"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: SECRET_KEY must be set")


def test_make_run_path_signs_up_and_signs_in_on_the_embedded_database(tmp_path):
    """What a newcomer gets from `make run`: embedded PostgreSQL, a dev signing key, sign-in."""
    import json

    env = {"GROUNDWORK_BACKEND": "postgres", "GROUNDWORK_HOME": str(tmp_path / "gw"),
           "DATABASE_URL": "", "APP_DATABASE_URL": "", "SECRET_KEY": "", "LOG_LEVEL": "WARNING"}
    body = {"org_name": "Newcomer", "slug": "newcomer", "email": "new@comer.test",
            "full_name": "New Comer", "password": "a long and private passphrase"}
    with live_server(env, workers=2) as (base, _):
        headers = {"Content-Type": "application/json"}
        status, _ = http("POST", f"{base}/api/v1/signup", json.dumps(body).encode(), headers)
        assert status == 202
        status, payload = http("POST", f"{base}/api/v1/auth/login", json.dumps(
            {"email": body["email"], "password": body["password"]}).encode(), headers)
        assert status == 200
        token = json.loads(payload)["access_token"]
        for _ in range(4):  # several requests, so both workers are asked
            status, payload = http("GET", f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert status == 200 and json.loads(payload)["org"]["slug"] == "newcomer"
    assert (tmp_path / "gw" / "secret_key").exists()
