"""Jobs without a queue (the memory backend): run as their unit of work commits, in order; a
failure is one log line naming the job and the kind of error, never the caller's exception."""

from structlog.testing import capture_logs

from adapters.memory.jobs import InlineJobs
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.system import SystemClock, Uuid7Generator


def test_jobs_run_in_order_once_their_unit_of_work_commits():
    seen = []
    jobs = InlineJobs(lambda: {"note": lambda n: seen.append(n)})
    with MemoryUnitOfWork(MemoryStore(), SystemClock(), Uuid7Generator(), jobs.within) as uow:
        for n in ("1", "2", "3"):
            uow.jobs.defer("note", n=n)
        assert seen == []
        uow.commit()
    assert seen == ["1", "2", "3"]


def test_a_failing_or_unknown_job_is_a_log_line():
    def broken():
        raise ZeroDivisionError("details stay short")

    jobs = InlineJobs(lambda: {"broken": broken})
    with capture_logs() as logs:
        jobs.run("broken", {})
        jobs.run("unknown", {})
    assert [(e["event"], e["task"], e["error_type"]) for e in logs] == [
        ("job_failed", "broken", "ZeroDivisionError"), ("job_failed", "unknown", "KeyError")]
