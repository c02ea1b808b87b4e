"""The queue in PostgreSQL: a job outlasts the process that deferred it and runs when a worker
starts; a failing job is tried again with backoff, and one that keeps failing stays, failed;
a job left running by a worker that died runs again; the queue's depth and age can be read."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import procrastinate
import pytest
from sqlalchemy import text

from adapters.postgres.jobs import PgJobQueue
from adapters.postgres.sign_in_repositories import KeyLocations
from adapters.postgres.transaction import app_engine
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from adapters.postgres.worker import RETRY_STALLED, ProcrastinateWorker
from adapters.system import SystemClock, Uuid7Generator
from tests.fixtures.jobs import migrated_database, queued_jobs

pytestmark = pytest.mark.postgres
RETRY_AT_ONCE = procrastinate.RetryStrategy(max_attempts=2)


@pytest.fixture(scope="module")
def urls(fresh_database):
    return migrated_database(fresh_database)


@pytest.fixture(autouse=True)
def empty_queue(urls):
    """Each test starts with no job, and leaves none behind."""
    yield
    engine = app_engine(urls.app_url, pool_size=1)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM procrastinate.procrastinate_jobs"))
    engine.dispose()


def _defer(urls, task: str, **args) -> None:
    """As a server process would, which then stops: its pool goes with it."""
    engine = app_engine(urls.app_url, pool_size=1)
    with PostgresUnitOfWork(engine, SystemClock(), Uuid7Generator(), KeyLocations()) as uow:
        uow.jobs.defer(task, **args)
        uow.commit()
    engine.dispose()


def _pending(urls):
    engine = app_engine(urls.app_url, pool_size=1)
    try:
        return PgJobQueue(engine).pending()
    finally:
        engine.dispose()


def test_a_job_outlasts_the_process_that_deferred_it_and_runs_when_a_worker_starts(urls):
    _defer(urls, "mail.note", to="ada@acme.test")
    depth = _pending(urls)
    assert depth.waiting == 1 and timedelta(0) <= depth.oldest < timedelta(minutes=1)
    seen = []
    ProcrastinateWorker(urls.app_url, {"mail.note": lambda to: seen.append(to)}).run(
        until_empty=True)
    assert seen == ["ada@acme.test"]
    assert _pending(urls).waiting == 0 and queued_jobs(urls) == []  # done jobs are deleted


def test_a_failing_job_is_tried_again_until_it_works(urls):
    _defer(urls, "mail.flaky", to="ada@acme.test")
    attempts = []

    def flaky(to):
        attempts.append(to)
        if len(attempts) == 1:
            raise ConnectionError("the mail server is down")

    ProcrastinateWorker(urls.app_url, {"mail.flaky": flaky}, retry=RETRY_AT_ONCE).run(
        until_empty=True)
    assert attempts == ["ada@acme.test"] * 2 and queued_jobs(urls) == []


def test_a_retry_waits_longer_each_time(urls):
    _defer(urls, "mail.down", to="ada@acme.test")

    def down(to):
        raise ConnectionError("the mail server is down")

    worker = ProcrastinateWorker(urls.app_url, {"mail.down": down})  # the default strategy
    worker.run(until_empty=True)  # one attempt: the next is not due yet
    [job] = queued_jobs(urls)
    assert (job.status, job.attempts) == ("todo", 1)
    assert job.scheduled_at - datetime.now(UTC) > timedelta(seconds=2)
    assert _pending(urls).waiting == 1  # a retry waits in the queue


def test_a_job_that_keeps_failing_stays_failed_for_a_look(urls):
    _defer(urls, "mail.down", to="ada@acme.test")

    def down(to):
        raise ConnectionError("the mail server is down")

    ProcrastinateWorker(urls.app_url, {"mail.down": down}, retry=RETRY_AT_ONCE).run(
        until_empty=True)
    [job] = queued_jobs(urls)
    assert (job.status, job.attempts, dict(job.args)) == ("failed", 3, {"to": "ada@acme.test"})
    assert _pending(urls).waiting == 0


def test_a_job_left_running_by_a_worker_that_died_runs_again(urls):
    _defer(urls, "mail.note", to="ada@acme.test")
    engine = app_engine(urls.app_url, pool_size=1)
    with engine.begin() as conn:  # a worker took the job, then died: no heartbeat since
        dead = conn.execute(text(
            "SELECT procrastinate.procrastinate_register_worker_v1()")).scalar_one()
        conn.execute(text("UPDATE procrastinate.procrastinate_workers SET last_heartbeat = "
                          "now() - interval '1 hour' WHERE id = :id"), {"id": dead})
        conn.execute(text("SELECT procrastinate.procrastinate_fetch_job_v2(NULL, :id)"),
                     {"id": dead})
    engine.dispose()
    seen = []
    ProcrastinateWorker(urls.app_url, {"mail.note": lambda to: seen.append(to)}).run(
        until_empty=True)
    assert seen == ["ada@acme.test"] and queued_jobs(urls) == []


def test_a_running_worker_looks_for_stalled_jobs_every_minute(urls):
    _defer(urls, "mail.note", to="ada@acme.test")
    engine = app_engine(urls.app_url, pool_size=1)
    with engine.begin() as conn:  # taken by a worker that was never heard of again
        conn.execute(text("SELECT procrastinate.procrastinate_fetch_job_v2(NULL, NULL)"))
    engine.dispose()
    app = ProcrastinateWorker(urls.app_url, {}).app()
    [periodic] = app.periodic_registry.periodic_tasks.values()
    assert (periodic.task.name, periodic.cron) == (RETRY_STALLED, "* * * * *")

    async def a_minute_passes():
        async with app.open_async():
            await periodic.task(timestamp=0)

    asyncio.run(a_minute_passes())
    assert [job.status for job in queued_jobs(urls)] == ["todo"]


def test_an_erasure_forgets_the_waiting_jobs_that_name_the_person(urls):
    _defer(urls, "mail.password_link", email="ada@acme.test", ip="192.0.2.1")
    _defer(urls, "mail.email_verification", user_id="0190c9a8-0000-7000-8000-000000000001")
    _defer(urls, "mail.password_link", email="bob@acme.test", ip="192.0.2.2")
    engine = app_engine(urls.app_url, pool_size=1)
    with PostgresUnitOfWork(engine, SystemClock(), Uuid7Generator(), KeyLocations()) as uow:
        forgotten = uow.jobs.forget({"ada@acme.test", "0190c9a8-0000-7000-8000-000000000001"})
        uow.commit()
    engine.dispose()
    assert forgotten == 2
    assert _pending(urls).waiting == 1  # Bob's link still goes out
