"""The job worker `serve` runs beside the server, kept running: one that exits on its own (its
database restored under it, a crash) is started again after a pause that doubles up to a cap,
so that mail and exports never stop quietly while the API answers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import structlog

_log = structlog.get_logger("groundwork.serve")


class Process(Protocol):
    def poll(self) -> int | None: ...


P = TypeVar("P", bound=Process)


class WorkerSupervisor(Generic[P]):
    def __init__(self, start: Callable[[], P], stop: Callable[[P], None], *,
                 first_pause: float = 1.0, longest_pause: float = 30.0,
                 every: float = 0.5) -> None:
        self._every = every
        self._start = start
        self._stop = stop
        self._first_pause = first_pause
        self._longest_pause = longest_pause
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._current: P | None = None
        self.restarts = 0

    def begin(self) -> None:
        self._current = self._start()
        threading.Thread(target=self._watch, name="groundwork-worker-supervisor",
                         daemon=True).start()

    def end(self) -> None:
        """Stop watching, then stop the worker (its jobs under way finish first)."""
        with self._lock:
            self._stopping.set()
            current = self._current
        self._stop(current)

    def _watch(self) -> None:
        pause = self._first_pause
        while True:
            # Polled, never a blocking wait: a thread parked in waitpid() would take the
            # SIGCHLD that gunicorn's arbiter needs to reap its own workers.
            while (code := self._current.poll()) is None:
                if self._stopping.wait(self._every):
                    return
            if self._stopping.is_set():
                return
            _log.warning("worker_exited", exit_code=code, restart_in_s=pause)
            if self._stopping.wait(pause):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self._current = self._start()
                self.restarts += 1
            pause = min(pause * 2, self._longest_pause)
