"""Work a request starts and a worker does after the answer: a mail, an export."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from datetime import timedelta

from attrs import define

JobArgument = str | None


class Jobs(abc.ABC):
    """Jobs deferred in a unit of work (`uow.jobs`): queued when it commits, never when it rolls
    back. A job is a name and JSON arguments: ids and addresses, never a secret (a link's token
    is made by the job when it runs). It may run more than once (a retry after a failure)."""

    @abc.abstractmethod
    def defer(self, task: str, **args: JobArgument) -> None: ...

    @abc.abstractmethod
    def forget(self, mentions: Iterable[str]) -> int:
        """Drop the jobs not running now (waiting, or kept after failing) whose arguments hold
        any of `mentions` (an erased person's addresses and id: none outlives them in the
        queue); how many."""


@define(frozen=True)
class QueueDepth:
    waiting: int
    oldest: timedelta | None  # how long the job that has waited longest has waited


class JobQueue(abc.ABC):
    @abc.abstractmethod
    def pending(self) -> QueueDepth:
        """The jobs waiting to run (retries included), and the oldest one's age."""

    @abc.abstractmethod
    def heartbeats(self) -> list[timedelta] | None:
        """How long ago each registered worker last reported in, most recent first; None
        where no worker is needed (jobs run where they are deferred)."""
