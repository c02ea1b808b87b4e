"""Jobs without a queue (the memory backend, and tests): a job runs in the caller's thread as
soon as its unit of work commits. Nothing is kept and nothing is retried: a failure is one log
line, never the caller's exception."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Protocol

import structlog

from application.jobs import JobHandler
from application.ports.jobs import JobArgument, JobQueue, Jobs, QueueDepth

_log = structlog.get_logger("groundwork.jobs")


class CommitHooks(Protocol):
    def after_commit(self, action: Callable[[], None]) -> None: ...


class InlineJobs(JobQueue):
    def __init__(self, handlers: Callable[[], Mapping[str, JobHandler]]) -> None:
        self._handlers = handlers  # asked at each run: their use cases defer jobs here too

    def within(self, scope: CommitHooks) -> Jobs:
        """What a unit of work defers: run once it commits."""
        return _AfterCommit(self, scope)

    def run(self, task: str, args: Mapping[str, JobArgument]) -> None:
        try:
            self._handlers()[task](**args)
        except Exception as error:  # noqa: BLE001 - logged: the caller has its answer already
            _log.error("job_failed", task=task, error_type=type(error).__name__,
                       error=str(error)[:200])

    def pending(self) -> QueueDepth:
        return QueueDepth(waiting=0, oldest=None)  # each job ran when its unit of work committed

    def heartbeats(self) -> None:
        return None  # no worker: jobs run in the process that defers them


class _AfterCommit(Jobs):
    def __init__(self, jobs: InlineJobs, scope: CommitHooks) -> None:
        self._jobs = jobs
        self._scope = scope

    def defer(self, task: str, **args: JobArgument) -> None:
        self._scope.after_commit(partial(self._jobs.run, task, args))

    def forget(self, mentions: Iterable[str]) -> int:
        return 0  # nothing waits: each job ran when its unit of work committed
