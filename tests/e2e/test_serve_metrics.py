"""/metrics from a real `groundwork serve`: gunicorn's workers write to one directory of this
instance's own and any scrape sums them; METRICS_PORT and METRICS_TOKEN as an operator sets them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.live_server import free_port, http, live_server, postgres_env

INFO = "/api/v1/system/info"


def _count(text: str, name: str, **labels) -> float:
    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples
               if sample.name == name and labels.items() <= sample.labels.items())


@pytest.mark.postgres
def test_two_workers_are_summed_in_every_scrape(pg_urls, tmp_path):
    env = postgres_env(pg_urls, tmp_path, TMPDIR=str(tmp_path))  # where its directory goes
    with live_server(env, workers=2) as (base, server):
        [directory] = tmp_path.glob("groundwork-metrics-*")
        sent = 0
        with ThreadPoolExecutor(8) as pool:
            while sent < 800 and len(_writers(directory)) < 2:  # until both workers answered
                statuses = list(pool.map(lambda _: http("GET", base + INFO)[0], range(40)))
                assert statuses == [200] * 40
                sent += 40
        assert len(_writers(directory)) == 2  # both counted, each in files of its own
        for _ in range(6):  # whichever worker answers the scrape, it reports both
            status, body = http("GET", f"{base}/metrics")
            assert status == 200
            text = body.decode()
            assert _count(text, "groundwork_http_requests_total", route=INFO, status="200") == sent
            assert _count(text, "groundwork_http_request_duration_seconds_count",
                          route=INFO) == sent
            assert _count(text, "groundwork_database_up") == 1
            assert "groundwork_jobs_waiting" in text
    assert not directory.exists()  # the instance cleared its directory as it stopped
    assert server.output.count("Booting worker") >= 2


def _writers(directory) -> set[str]:
    """The processes that have counted something: one file per process and kind of metric."""
    return {path.stem.rsplit("_", 1)[1] for path in directory.glob("counter_*.db")}


def test_metrics_port_and_token(tmp_path):
    port = free_port()
    env = {"GROUNDWORK_BACKEND": "memory", "GROUNDWORK_HOME": str(tmp_path), "SECRET_KEY": "",
           "DATABASE_URL": "", "APP_DATABASE_URL": "", "METRICS_PORT": str(port),
           "METRICS_TOKEN": "a-scrape-token-of-some-length"}
    metrics = f"http://127.0.0.1:{port}/metrics"
    with live_server(env, workers=1) as (base, _server):
        assert http("GET", base + INFO)[0] == 200
        assert http("GET", f"{base}/metrics")[0] == 404  # not on the API's port
        assert http("GET", metrics)[0] == 401
        refused = http("GET", metrics, headers={"Authorization": "Bearer wrong"})
        assert refused[0] == 401 and b"groundwork_" not in refused[1]
        assert http("GET", f"http://127.0.0.1:{port}/other")[0] == 404
        status, body = http("GET", metrics,
                            headers={"Authorization": "Bearer a-scrape-token-of-some-length"})
        assert status == 200
        assert _count(body.decode(), "groundwork_http_requests_total", route=INFO) == 1


def test_a_metrics_port_that_is_taken_stops_the_start(tmp_path):
    import os
    import socket
    import subprocess

    from tests.e2e.live_server import GROUNDWORK

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {**os.environ, "GROUNDWORK_BACKEND": "memory", "GROUNDWORK_HOME": str(tmp_path),
               "METRICS_PORT": str(taken.getsockname()[1])}
        result = subprocess.run([str(GROUNDWORK), "serve", "--port", str(free_port())], env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "cannot serve metrics on 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
