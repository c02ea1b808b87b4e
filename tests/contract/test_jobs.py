"""Jobs over both adapters: run at commit (the memory backend, and most tests) or queued in
PostgreSQL and run by procrastinate's worker. Either way a job runs once its unit of work
commits, with the arguments it was deferred with; never when it rolls back; a failing job is
nobody else's failure; nothing is left waiting once the work is done."""

from __future__ import annotations

from collections import Counter

import procrastinate
import pytest

from adapters.memory.jobs import InlineJobs
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.postgres.jobs import PgJobQueue
from adapters.postgres.sign_in_repositories import KeyLocations
from adapters.postgres.transaction import app_engine
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from adapters.postgres.worker import ProcrastinateWorker
from adapters.system import SystemClock, Uuid7Generator
from tests.fixtures.jobs import migrated_database


@pytest.fixture(scope="module")
def queue_urls(fresh_database):
    return migrated_database(fresh_database)


class Jobs:
    """A unit-of-work factory, the queue, a way to let the worker catch up, and what ran."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.handlers = {"test.note": self.note, "test.fail": self.fail}

    def note(self, note: str) -> None:
        self.ran.append(note)

    def fail(self, note: str) -> None:
        raise RuntimeError(f"{note} fails")


@pytest.fixture(params=["memory", "postgres"])
def jobs(request):
    world = Jobs()
    if request.param == "memory":
        inline, store = InlineJobs(lambda: world.handlers), MemoryStore()
        world.uow = lambda: MemoryUnitOfWork(store, SystemClock(), Uuid7Generator(),
                                             inline.within)
        world.queue, world.drain = inline, lambda: None
        yield world
        return
    urls = request.getfixturevalue("queue_urls")
    engine = app_engine(urls.app_url, pool_size=2)
    worker = ProcrastinateWorker(urls.app_url, world.handlers,
                                 retry=procrastinate.RetryStrategy(max_attempts=1))
    world.uow = lambda: PostgresUnitOfWork(engine, SystemClock(), Uuid7Generator(), KeyLocations())
    world.queue, world.drain = PgJobQueue(engine), lambda: worker.run(until_empty=True)
    yield world
    engine.dispose()


def test_a_committed_job_runs_with_its_arguments(jobs):
    with jobs.uow() as uow:
        uow.jobs.defer("test.note", note="first")
        uow.jobs.defer("test.note", note="second")
        uow.commit()
    jobs.drain()
    assert Counter(jobs.ran) == Counter(["first", "second"])
    assert jobs.queue.pending().waiting == 0


def test_a_job_of_a_unit_of_work_that_does_not_commit_never_runs(jobs):
    with jobs.uow() as uow:
        uow.jobs.defer("test.note", note="dropped")
    with jobs.uow() as uow:
        uow.jobs.defer("test.note", note="rolled back")
        uow.rollback()
        uow.commit()  # nothing left to commit
    jobs.drain()
    assert jobs.ran == [] and jobs.queue.pending().waiting == 0


def test_a_failing_job_fails_alone(jobs):
    with jobs.uow() as uow:
        uow.jobs.defer("test.fail", note="broken")
        uow.jobs.defer("test.note", note="fine")
        uow.commit()  # the caller's answer does not depend on the job
    jobs.drain()
    assert jobs.ran == ["fine"] and jobs.queue.pending().waiting == 0


def test_nothing_waits_on_an_empty_queue(jobs):
    depth = jobs.queue.pending()
    assert (depth.waiting, depth.oldest) == (0, None)
