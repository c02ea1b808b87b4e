"""Work on a schedule (the daily backup of `groundwork serve`): one daemon thread that sleeps
until the schedule's next time, runs the job, and goes on; a failed run is one log line."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import structlog

from application.ports.system import Clock

_log = structlog.get_logger("groundwork.schedule")


class Schedule(Protocol):
    def next_run(self, after: datetime) -> datetime: ...


class ScheduledThread:
    def __init__(self, schedule: Schedule, job: Callable[[], object], clock: Clock, *,
                 name: str) -> None:
        self._schedule = schedule
        self._job = job
        self._clock = clock
        self._name = name
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"groundwork-{name}", daemon=True)

    def start(self) -> ScheduledThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopped.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        due = self._clock.now()
        while True:
            due = self._schedule.next_run(due)  # from the last due time: never twice for one
            if self._stopped.wait(max((due - self._clock.now()).total_seconds(), 0)):
                return
            try:
                self._job()
                _log.info("scheduled_job_done", job=self._name)
            except Exception as error:  # noqa: BLE001 - logged; tomorrow's run still happens
                _log.error("scheduled_job_failed", job=self._name,
                           error_type=type(error).__name__, error=str(error)[:200])
