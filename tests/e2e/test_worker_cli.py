"""`groundwork worker`: on PostgreSQL it runs the queue, and `--status` says how many jobs wait
and for how long; the memory backend has no queue, and says so."""

from __future__ import annotations

import json
import uuid

import pytest

from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings
from tests.fixtures.jobs import drain, migrated_database, queuing_container

pytestmark = pytest.mark.postgres
POSTGRES = Settings.from_env({"GROUNDWORK_BACKEND": "postgres"})


@pytest.fixture(scope="module")
def urls(fresh_database):
    return migrated_database(fresh_database)


@pytest.fixture
def container(urls):
    container = queuing_container(urls)
    yield container
    container.adapters.engine().dispose()


def _worker(cli_runner, container, *args):
    return cli_runner.invoke(cli, ["worker", *args], obj=CliContext(POSTGRES, container))


def test_the_status_counts_the_waiting_jobs_and_the_oldest_ones_age(cli_runner, container):
    empty = _worker(cli_runner, container, "--status")
    assert empty.exit_code == 0 and empty.output.split() == ["WAITING", "OLDEST_SECONDS", "0", "-"]
    with container.adapters.unit_of_work() as uow:
        uow.jobs.defer("export.run", org_id=str(uuid.uuid4()), export_id=str(uuid.uuid4()))
        uow.commit()
    waiting = json.loads(_worker(cli_runner, container, "--status", "--json").output)
    assert waiting["waiting"] == 1 and 0 <= waiting["oldest_seconds"] < 60
    drain(container)  # an export that is not there is nothing to do
    assert json.loads(_worker(cli_runner, container, "--status", "--json").output)["waiting"] == 0


def test_the_worker_runs_until_stopped(cli_runner, container):
    class Worker:
        def run(self):
            self.ran = True

    worker = Worker()
    container.adapters.job_worker.override(worker)
    try:
        result = _worker(cli_runner, container)
    finally:
        container.adapters.job_worker.reset_last_overriding()
    assert result.exit_code == 0 and worker.ran and "until stopped" in result.stderr


def test_the_memory_backend_has_no_queue_to_work(cli_runner):
    result = cli_runner.invoke(cli, ["worker", "--status"],
                               obj=CliContext(Settings.from_env({"GROUNDWORK_BACKEND": "memory"})))
    assert result.exit_code == 2 and "GROUNDWORK_BACKEND=postgres" in result.output
