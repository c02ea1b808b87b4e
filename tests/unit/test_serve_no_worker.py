"""`groundwork serve --no-worker`: the server alone, its jobs run by a `groundwork worker` of
their own (compose.yaml's `worker` service)."""

from __future__ import annotations

import pytest

from entrypoints.cli import serve
from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings
from entrypoints.container import build_container

APP_URL = "postgresql+psycopg://groundwork_app:app-secret@pgbouncer:6432/groundwork"


class _Gunicorn:
    served: list[dict] = []

    def __init__(self, options: dict) -> None:
        self.options = options

    def run(self) -> None:
        _Gunicorn.served.append(self.options)


@pytest.fixture
def started(monkeypatch) -> list:
    """The job workers serve starts, with gunicorn and the database stood in for."""
    workers: list = []
    _Gunicorn.served = []
    monkeypatch.setattr(serve, "_Gunicorn", _Gunicorn)
    monkeypatch.setattr(serve, "serving_refusal", lambda url: None)
    monkeypatch.setattr(serve, "start_worker", lambda environ: workers.append(environ) or _Running())
    monkeypatch.setattr(serve, "stop_worker", lambda worker: None)
    for name in ("SECRET_KEY", "DATABASE_URL", "APP_DATABASE_URL", "PUBLIC_URL"):
        monkeypatch.setenv(name, "placeholder")  # serve writes these for its workers
    return workers


class _Running:
    def poll(self) -> None:
        return None


def _serve(cli_runner, *flags: str):
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", "APP_DATABASE_URL": APP_URL,
                                  "SECRET_KEY": "s" * 48})
    return cli_runner.invoke(cli, ["serve", "--port", "8124", "--no-migrate", *flags],
                             obj=CliContext(settings, build_container(settings)))


def test_no_worker_serves_without_starting_a_job_worker(cli_runner, started):
    result = _serve(cli_runner, "--no-worker")
    assert result.exit_code == 0, result.output
    assert len(_Gunicorn.served) == 1 and started == []


def test_without_the_flag_serve_starts_its_own_job_worker(cli_runner, started):
    result = _serve(cli_runner)
    assert result.exit_code == 0, result.output
    assert len(_Gunicorn.served) == 1 and len(started) == 1
