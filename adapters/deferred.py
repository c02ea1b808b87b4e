"""Running deferred work: inline (tests, the in-memory backend) or on one background thread
per process (the server). Either way a failure is one log line, never the request's."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import structlog

from application.ports.deferred import Deferred

_log = structlog.get_logger("groundwork.deferred")


def _run_logged(task: Callable[[], None], name: str) -> None:
    try:
        task()
    except Exception as error:  # noqa: BLE001 - logged, as the port promises
        _log.error("deferred_failed", task=name, error_type=type(error).__name__,
                   error=str(error)[:200])


class InlineDeferred(Deferred):
    def run(self, task: Callable[[], None], *, name: str) -> None:
        _run_logged(task, name)


class ThreadDeferred(Deferred):
    """A bounded queue and one daemon thread, started on first use (after gunicorn forks)."""

    def __init__(self, capacity: int = 1000) -> None:
        self._queue: queue.Queue[tuple[Callable[[], None], str]] = queue.Queue(capacity)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def run(self, task: Callable[[], None], *, name: str) -> None:
        self._start()
        try:
            self._queue.put_nowait((task, name))
        except queue.Full:
            _log.error("deferred_dropped", task=name, reason="queue full")

    def join(self) -> None:
        """Wait until everything queued has run (tests, and an orderly stop)."""
        self._queue.join()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="groundwork-deferred",
                                                daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            task, name = self._queue.get()
            try:
                _run_logged(task, name)
            finally:
                self._queue.task_done()
