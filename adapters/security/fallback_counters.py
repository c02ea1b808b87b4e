"""Counters in Redis that fall back to a second storage (the database, or process memory on the
in-memory backend) while Redis cannot be reached: attempt caps and request windows keep
counting, and sign-in keeps working, through a Redis outage. The counts of the outage start
again from zero in the fallback, and go back to Redis once it answers."""

from __future__ import annotations

import redis
import structlog
from limits.storage import Storage

_log = structlog.get_logger("groundwork.counters")
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)
# For the Redis storage: a Redis that does not answer costs a request a second, not a hang.
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}


class FallbackCounters(Storage):
    STORAGE_SCHEME = None  # built from two storages, never from a URI

    def __init__(self, primary: Storage, fallback: Storage) -> None:
        super().__init__()
        self._primary = primary
        self._fallback = fallback

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return UNREACHABLE

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._either("incr", key, expiry, amount)

    def get(self, key: str) -> int:
        return self._either("get", key)

    def get_expiry(self, key: str) -> float:
        return self._either("get_expiry", key)

    def check(self) -> bool:
        return self._primary.check() or self._fallback.check()

    def reset(self) -> int | None:
        return self._either("reset")

    def clear(self, key: str) -> None:
        self._either("clear", key)

    def _either(self, method: str, *args):
        try:
            return getattr(self._primary, method)(*args)
        except UNREACHABLE as error:
            _log.warning("counters_fallback", reason=type(error).__name__)
            return getattr(self._fallback, method)(*args)
