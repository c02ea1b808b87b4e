"""`groundwork serve` as an operator starts it: a real gunicorn server on a free port."""

import pytest

from tests.e2e.live_server import http, live_server

pytestmark = pytest.mark.postgres


def test_serve_migrates_and_answers_on_postgres(pg_urls, tmp_path):
    env = {"GROUNDWORK_BACKEND": "postgres", "GROUNDWORK_HOME": str(tmp_path),
           "DATABASE_URL": pg_urls.owner_url.render_as_string(hide_password=False),
           "APP_DATABASE_URL": "", "SECRET_KEY": "s" * 48}
    with live_server(env, workers=1) as (base, server):
        for path in ("/ready", "/docs", "/openapi.json", "/api/v1/system/info"):
            assert http("GET", base + path)[0] == 200, path
        status, body = http("GET", f"{base}/nope")
        assert status == 404 and b'"status": 404' in body
    assert "Shutting down" in server.output


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
