"""The worker beside the server is started again when it exits on its own, and not once the
server stops it."""

from __future__ import annotations

import threading
import time

from entrypoints.cli.worker_supervisor import WorkerSupervisor


class _Process:
    def __init__(self) -> None:
        self.ended = threading.Event()
        self.code = 0

    def poll(self) -> int | None:
        return self.code if self.ended.is_set() else None

    def exit(self, code: int) -> None:
        self.code = code
        self.ended.set()


def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_worker_that_exits_on_its_own_is_started_again_and_a_stopped_one_is_not():
    started, stopped = [], []

    def start() -> _Process:
        started.append(_Process())
        return started[-1]

    def stop(process: _Process) -> None:
        stopped.append(process)
        process.exit(-15)

    supervisor = WorkerSupervisor(start, stop, first_pause=0.01, longest_pause=0.02,
                                  every=0.01)
    supervisor.begin()
    started[0].exit(1)  # its database went away under it
    assert _until(lambda: len(started) == 2)
    started[1].exit(1)
    assert _until(lambda: len(started) == 3) and supervisor.restarts == 2
    supervisor.end()
    assert stopped == [started[2]]
    time.sleep(0.05)
    assert len(started) == 3  # stopped by the server: not started again


def test_stopping_during_the_pause_starts_nothing_more():
    started = []

    def start() -> _Process:
        started.append(_Process())
        return started[-1]

    supervisor = WorkerSupervisor(start, lambda process: process.exit(-15), first_pause=5,
                                  every=0.01)
    supervisor.begin()
    started[0].exit(1)
    time.sleep(0.05)  # the supervisor is pausing before the restart
    supervisor.end()
    time.sleep(0.05)
    assert len(started) == 1
