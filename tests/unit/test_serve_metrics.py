"""How `groundwork serve` sets metrics up: a directory per instance, the child_exit hook, the
settings, and METRICS_PORT answered by the serving process itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import click
import pytest
from werkzeug.test import Client

from entrypoints import metrics
from entrypoints.cli import serve_metrics
from entrypoints.config import Settings
from entrypoints.container import build_container
from entrypoints.http.observability import scrape_time_collector
from tests.e2e.live_server import free_port, http

TOKEN = "a-scrape-token-of-some-length"


def test_the_cli_does_not_import_prometheus_client_before_serve_sets_its_directory():
    """prometheus_client picks where values live at import: workers forked from the CLI must
    import it after PROMETHEUS_MULTIPROC_DIR is set."""
    code = "import sys, entrypoints.cli.main; print('prometheus_client' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == "False"


def test_each_instance_gets_a_fresh_directory_removed_when_it_stops(monkeypatch):
    monkeypatch.delenv(serve_metrics.MULTIPROC_VARIABLE, raising=False)
    first, second = serve_metrics.metrics_directory(), serve_metrics.metrics_directory()
    assert first.path != second.path and not any(first.path.iterdir())
    assert os.environ[serve_metrics.MULTIPROC_VARIABLE] == str(second.path)
    first.remove()
    second.remove()
    assert not first.path.exists() and not second.path.exists()
    assert serve_metrics.MULTIPROC_VARIABLE not in os.environ


def test_a_forked_worker_leaving_does_not_remove_the_directory(monkeypatch):
    made = serve_metrics.metrics_directory()
    try:
        serve_metrics.MetricsDirectory(made.path, os.getpid() + 1).remove()  # another process's
        assert made.path.is_dir()
    finally:
        made.remove()


def test_a_dead_worker_is_marked_so_its_live_gauges_stop_counting(monkeypatch, tmp_path):
    class Worker:
        pid = 4242

    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "gauge_livesum_1.db").write_bytes(b"")
    monkeypatch.delenv(serve_metrics.MULTIPROC_VARIABLE, raising=False)
    serve_metrics.child_exit(None, Worker())  # not serving: nothing to mark
    assert (tmp_path / "gauge_livesum_4242.db").exists()
    monkeypatch.setenv(serve_metrics.MULTIPROC_VARIABLE, str(tmp_path))
    serve_metrics.child_exit(None, Worker())
    assert not (tmp_path / "gauge_livesum_4242.db").exists()
    assert (tmp_path / "gauge_livesum_1.db").exists()


@pytest.mark.parametrize(("raw", "expected"), [("", None), ("9464", 9464), (" ", None)])
def test_metrics_port_setting(raw, expected):
    assert Settings.from_env({"METRICS_PORT": raw}).metrics_port == expected


@pytest.mark.parametrize("raw", ["0", "70000", "http", "-1"])
def test_a_metrics_port_that_is_no_port_is_refused(raw):
    with pytest.raises(ValueError, match="METRICS_PORT"):
        Settings.from_env({"METRICS_PORT": raw})


def test_metrics_token_and_sentry_dsn_settings():
    settings = Settings.from_env({"METRICS_TOKEN": TOKEN, "SENTRY_DSN": "https://k@s.test/1"})
    assert (settings.metrics_token, settings.sentry_dsn) == (TOKEN, "https://k@s.test/1")
    assert Settings.from_env({}).metrics_token is None


def test_the_metrics_app_asks_for_the_token_and_knows_one_path():
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "memory", "METRICS_TOKEN": TOKEN})
    client = Client(serve_metrics.metrics_app(
        settings, scrape_time_collector(build_container(settings))))
    assert client.get("/elsewhere").status_code == 404
    refused = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.json["code"] == "metrics_token_required"
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and answer.content_type == metrics.CONTENT_TYPE
    assert b"groundwork_database_up 1.0" in answer.data


def _served(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    server = serve_metrics.serve_metrics_port(settings, "127.0.0.1")
    try:
        return http("GET", f"http://127.0.0.1:{settings.metrics_port}/metrics")
    finally:
        server.shutdown()
        server.server_close()


def test_metrics_port_is_served_by_a_thread_of_this_process(monkeypatch):
    status, body = _served(monkeypatch, GROUNDWORK_BACKEND="memory", METRICS_TOKEN="",
                           METRICS_PORT=str(free_port()))
    assert status == 200 and b"groundwork_database_up 1.0" in body
    assert b"groundwork_jobs_waiting" not in body  # the memory backend runs jobs at once


@pytest.mark.postgres
def test_metrics_port_on_postgres_reads_the_job_queue(monkeypatch, pg_urls):
    status, body = _served(monkeypatch, GROUNDWORK_BACKEND="postgres", METRICS_TOKEN="",
                           DATABASE_URL="", METRICS_PORT=str(free_port()),
                           APP_DATABASE_URL=pg_urls.app_url.render_as_string(hide_password=False))
    assert status == 200 and b"groundwork_jobs_waiting" in body


def test_a_metrics_port_that_is_taken_is_a_one_line_refusal():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = Settings.from_env({"GROUNDWORK_BACKEND": "memory",
                                      "METRICS_PORT": str(taken.getsockname()[1])})
        with pytest.raises(click.ClickException, match="cannot serve metrics on"):
            serve_metrics.serve_metrics_port(settings, "127.0.0.1")


def test_under_serve_a_scrape_reads_the_workers_files_not_this_process(monkeypatch, tmp_path):
    monkeypatch.setenv(serve_metrics.MULTIPROC_VARIABLE, str(tmp_path))
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "memory"})
    text = metrics.exposition(scrape_time_collector(build_container(settings))).decode()
    assert "groundwork_database_up 1.0" in text
    assert "groundwork_http_requests" not in text  # no worker has written a file yet


def test_serve_gives_gunicorn_the_hook_and_its_workers_the_directory(monkeypatch):
    from click.testing import CliRunner

    from entrypoints.cli import serve
    from entrypoints.cli.context import CliContext
    from entrypoints.cli.main import cli

    seen, served = [], []

    class Recorded:
        def __init__(self, options) -> None:
            self.options = options

        def run(self) -> None:
            seen.append((self.options, os.environ.get(serve_metrics.MULTIPROC_VARIABLE)))

    monkeypatch.setattr(serve, "_Gunicorn", Recorded)
    monkeypatch.setattr(serve, "refuse_a_busy_port", lambda host, port: None, raising=False)
    monkeypatch.setattr(serve_metrics, "serve_metrics_port",
                        lambda settings, host: served.append((settings.metrics_port, host)))
    monkeypatch.setenv("SECRET_KEY", "placeholder")
    monkeypatch.delenv(serve_metrics.MULTIPROC_VARIABLE, raising=False)
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "memory", "SECRET_KEY": "s" * 40,
                                  "METRICS_PORT": "9464"})
    result = CliRunner().invoke(cli, ["serve", "--port", "8124"],
                                obj=CliContext(settings, build_container(settings)))
    assert result.exit_code == 0, result.output
    [(options, directory)] = seen
    assert options["child_exit"] is serve_metrics.child_exit
    assert directory and not os.path.exists(directory)  # made for the run, removed after it
    assert served == [(9464, "127.0.0.1")]
