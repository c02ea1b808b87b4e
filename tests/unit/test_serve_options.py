"""`groundwork serve` before gunicorn starts: how many workers, and what they inherit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from adapters.postgres.server import DatabaseUrls
from entrypoints.cli import serve
from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings
from entrypoints.container import build_container
from entrypoints.database import AppRoleUrls, resolve_database

OWNER_URL = "postgresql+psycopg://owner:owner-secret@db.internal:5432/groundwork"
APP_URL = "postgresql+psycopg://groundwork_app:app-secret@db.internal:5432/groundwork"


class _Recorded:
    """Stands in for gunicorn: keeps the options, and the environment a worker would inherit."""

    runs: list = []

    def __init__(self, options: dict) -> None:
        self.options = options

    def run(self) -> None:
        _Recorded.runs.append((self.options, dict(os.environ)))


class _Workers:
    """Stands in for `groundwork worker` beside the server: what it inherits, and its stop."""

    started: list = []
    stopped: list = []

    @classmethod
    def start(cls, environ) -> _Worker:
        cls.started.append(dict(environ))
        return _Worker(f"worker {len(cls.started)}")

    @classmethod
    def stop(cls, worker: _Worker) -> None:
        cls.stopped.append(worker.name)
        worker.ended.set()


class _Worker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ended = threading.Event()

    def poll(self) -> int | None:
        return -15 if self.ended.is_set() else None


@pytest.fixture
def gunicorn(monkeypatch):
    _Recorded.runs = []
    _Workers.started, _Workers.stopped = [], []
    monkeypatch.setattr(serve, "_Gunicorn", _Recorded)
    monkeypatch.setattr(serve, "start_worker", _Workers.start)
    monkeypatch.setattr(serve, "stop_worker", _Workers.stop)
    monkeypatch.setattr(serve, "serving_refusal", lambda url: None)  # no database to ask here
    # serve writes these to os.environ for its workers: put them back afterwards.
    for name in ("SECRET_KEY", "DATABASE_URL", "APP_DATABASE_URL"):
        monkeypatch.setenv(name, "placeholder")
    return _Recorded.runs


def _serve(cli_runner, settings, container=None, *args):
    result = cli_runner.invoke(cli, ["serve", "--port", "8123", *args],
                               obj=CliContext(settings, container or build_container(settings)))
    assert result.exit_code == 0, result.output
    return result


def test_the_memory_backend_is_served_by_one_worker_and_says_so(cli_runner, gunicorn):
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "memory"})
    result = _serve(cli_runner, settings, None, "--workers", "4")
    [(options, _)] = gunicorn
    assert options["workers"] == 1 and options["bind"] == "127.0.0.1:8123"
    notes = [line for line in result.stderr.splitlines() if "1 worker" in line]
    assert notes == ["memory backend: serving with 1 worker, not 4 (each worker process would "
                     "keep a store of its own)"]


def test_the_memory_backend_overrides_web_concurrency_too(cli_runner, gunicorn, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    result = _serve(cli_runner, Settings.from_env({"GROUNDWORK_BACKEND": "memory"}))
    assert [options["workers"] for options, _ in gunicorn] == [1]
    assert "serving with 1 worker, not 3" in result.stderr


def test_postgres_keeps_the_workers_asked_for_and_says_nothing(capsys):
    options = serve.gunicorn_options(Settings.from_env({"GROUNDWORK_BACKEND": "postgres"}),
                                     host="127.0.0.1", port=8000, workers=3, reload=True)
    assert (options["workers"], options["reload"]) == (3, True)
    assert capsys.readouterr().err == ""


def test_workers_inherit_the_app_login_and_nothing_of_the_owner(cli_runner, gunicorn, monkeypatch):
    migrated = []
    monkeypatch.setattr(serve, "Migrator", lambda url: migrated.append(url) or _NoMigration())
    monkeypatch.setenv("DATABASE_URL", OWNER_URL)
    monkeypatch.delenv("APP_DATABASE_URL")
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", "DATABASE_URL": OWNER_URL,
                                  "APP_DB_PASSWORD": "app-secret", "SECRET_KEY": "s" * 48})
    container = build_container(settings)
    urls = DatabaseUrls.for_server(OWNER_URL, app_password="app-secret")
    container.adapters.database_urls.override(urls)
    _serve(cli_runner, settings, container)
    [(options, environ)] = gunicorn
    assert [url.render_as_string(hide_password=False) for url in migrated] == [OWNER_URL]
    assert "DATABASE_URL" not in environ
    assert environ["APP_DATABASE_URL"] == APP_URL
    assert not [name for name, value in environ.items() if "owner-secret" in value]
    # And what a worker makes of that environment: the app's login, no owner, no embedded server.
    worker = Settings.from_env(environ)
    assert not worker.embedded
    worker_urls = resolve_database(worker)
    assert isinstance(worker_urls, AppRoleUrls)
    assert worker_urls.app_url.render_as_string(hide_password=False) == APP_URL
    with pytest.raises(ValueError, match="DATABASE_URL"):
        worker_urls.owner_url  # noqa: B018


def test_serving_with_only_the_app_login_needs_no_migrate(cli_runner, gunicorn, monkeypatch):
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("APP_DATABASE_URL", APP_URL)
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", "APP_DATABASE_URL": APP_URL,
                                  "SECRET_KEY": "s" * 48})
    refused = cli_runner.invoke(cli, ["serve"], obj=CliContext(settings, build_container(settings)))
    assert refused.exit_code == 1 and "cannot migrate" in refused.stderr and gunicorn == []
    _serve(cli_runner, settings, None, "--no-migrate")
    [(_, environ)] = gunicorn
    assert "DATABASE_URL" not in environ and environ["APP_DATABASE_URL"] == APP_URL


def test_the_parent_hands_over_only_the_app_url():
    environ = {"DATABASE_URL": OWNER_URL, "HOME": "/home/op"}
    serve.hand_workers_the_app_login(APP_URL, environ)
    assert environ == {"APP_DATABASE_URL": APP_URL, "HOME": "/home/op"}


class _NoMigration:
    def upgrade(self, **_options) -> None:
        pass


def test_a_database_the_app_must_not_serve_stops_the_start_with_its_reason(cli_runner, gunicorn,
                                                                           monkeypatch):
    reason = "this Citus database does not forward SET LOCAL to its shards"
    monkeypatch.setattr(serve, "serving_refusal", lambda url: reason)
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", "APP_DATABASE_URL": APP_URL,
                                  "SECRET_KEY": "s" * 48})
    refused = cli_runner.invoke(cli, ["serve", "--no-migrate"],
                                obj=CliContext(settings, build_container(settings)))
    assert refused.exit_code == 1 and reason in refused.output and gunicorn == []


def test_postgres_runs_a_job_worker_with_the_app_login_and_stops_it_with_the_server(
        cli_runner, gunicorn, monkeypatch):
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("APP_DATABASE_URL", APP_URL)
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", "APP_DATABASE_URL": APP_URL,
                                  "SECRET_KEY": "s" * 48})
    _serve(cli_runner, settings, None, "--no-migrate")
    [environ] = _Workers.started
    assert environ["APP_DATABASE_URL"] == APP_URL and "DATABASE_URL" not in environ
    assert _Workers.stopped == ["worker 1"]


def test_the_worker_stops_when_a_signal_stops_gunicorn(cli_runner, gunicorn, monkeypatch):
    class _Signalled(_Recorded):
        def run(self) -> None:
            raise SystemExit(0)  # what gunicorn's arbiter does on SIGTERM or SIGINT

    monkeypatch.setattr(serve, "_Gunicorn", _Signalled)
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", "APP_DATABASE_URL": APP_URL,
                                  "SECRET_KEY": "s" * 48})
    cli_runner.invoke(cli, ["serve", "--no-migrate"],
                      obj=CliContext(settings, build_container(settings)))
    assert _Workers.stopped == ["worker 1"]


def test_the_memory_backend_needs_no_worker(cli_runner, gunicorn):
    _serve(cli_runner, Settings.from_env({"GROUNDWORK_BACKEND": "memory"}))
    assert _Workers.started == [] and _Workers.stopped == []


def test_the_worker_is_groundwork_worker_with_the_environment_given(capfd):
    worker = serve.start_worker({**os.environ, "GROUNDWORK_BACKEND": "memory"})
    assert worker.wait(timeout=60) == 2  # a usage error: the memory backend has no queue
    serve.stop_worker(worker)  # one that has ended already is left as it is
    assert "a worker needs GROUNDWORK_BACKEND=postgres" in capfd.readouterr().err


def test_a_worker_that_does_not_stop_in_time_is_killed():
    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, time; "
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                                 "print('ready', flush=True); time.sleep(60)"],
                                stdout=subprocess.PIPE)
    stubborn.stdout.readline()
    serve.stop_worker(stubborn, grace=0.2)
    stubborn.stdout.close()
    assert stubborn.returncode == -signal.SIGKILL


def test_without_an_app_password_the_app_login_carries_none_of_the_owners():
    urls = DatabaseUrls.for_server(OWNER_URL)
    assert urls.app_url.password is None
    assert "owner-secret" not in urls.app_url.render_as_string(hide_password=False)
    assert urls.app_url.username.endswith("_app") and urls.owner_url.password == "owner-secret"
