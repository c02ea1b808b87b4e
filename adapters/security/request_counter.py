"""Request windows on a `limits` storage: Redis or PostgreSQL (every server process shares one
count), or process memory (the in-memory backend).

Windows are fixed and aligned to the clock's minutes: the counter's key names its minute, so
one increment (one Redis call, one upsert) says both how many requests the window holds and,
from the clock alone, when it ends. The key does not name the limit, so a limit changed in the
middle of a minute applies to what that minute has already counted."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable

from limits import storage

from application.ports.rate_limits import RequestCounter, Window

WINDOW_SECONDS = 60


class LimitsRequestCounter(RequestCounter):
    def __init__(self, counters: str | storage.Storage = "memory://", *,
                 namespace: str = "groundwork-requests",
                 now: Callable[[], float] = time.time) -> None:
        self._storage = (storage.storage_from_string(counters) if isinstance(counters, str)
                         else counters)
        self._namespace = namespace
        self._now = now
        # limits' memory storage reads the count back after releasing its lock, so two threads
        # may both read the later count: one lock here keeps "exactly N pass" exact. Redis and
        # PostgreSQL increment and read in one atomic call and need none.
        self._serial = (threading.Lock() if isinstance(self._storage, storage.MemoryStorage)
                        else contextlib.nullcontext())

    def hit(self, subject: str, limit: int) -> Window:
        now = self._now()
        minute = int(now // WINDOW_SECONDS)
        with self._serial:
            used = self._storage.incr(f"{self._namespace}/{subject}/{minute}", WINDOW_SECONDS)
        return Window(limit=limit, used=used,
                      reset_in=max(1, math.ceil((minute + 1) * WINDOW_SECONDS - now)))
