"""Counters in Redis, and in the fallback storage while Redis cannot be reached."""

import time

import pytest
from limits.storage import MemoryStorage, storage_from_string

from adapters.security.attempt_throttle import LimitsAttemptThrottle
from adapters.security.fallback_counters import REDIS_TIMEOUTS, FallbackCounters
from entrypoints.config import Settings
from entrypoints.container import build_container
from tests.e2e.live_server import free_port


@pytest.fixture
def redis_down() -> FallbackCounters:
    closed = storage_from_string(f"redis://127.0.0.1:{free_port()}/0", **REDIS_TIMEOUTS)
    return FallbackCounters(closed, MemoryStorage())


def test_while_redis_is_down_the_fallback_counts(redis_down):
    assert redis_down.incr("k", 60) == 1 and redis_down.incr("k", 60, 2) == 3
    assert redis_down.get("k") == 3 and redis_down.get_expiry("k") > time.time()
    assert redis_down.check()
    redis_down.clear("k")
    assert redis_down.get("k") == 0
    redis_down.incr("k", 60)
    redis_down.reset()
    assert redis_down.get("k") == 0


def test_sign_in_attempts_are_capped_while_redis_is_down(redis_down):
    throttle = LimitsAttemptThrottle(redis_down, per_account="2/minute")
    assert throttle.reserve("ops@example.test", "10.0.0.1") is None
    assert throttle.reserve("ops@example.test", "10.0.0.1") is None
    assert throttle.reserve("ops@example.test", "10.0.0.1") > 0
    assert redis_down.base_exceptions


def test_with_redis_up_the_counts_are_in_redis(redis_url):
    fallback = MemoryStorage()
    counters = FallbackCounters(storage_from_string(redis_url, **REDIS_TIMEOUTS), fallback)
    key = f"fallback-test/{time.time_ns()}"
    assert counters.incr(key, 60) == 1
    assert counters.get(key) == 1 and fallback.get(key) == 0
    assert counters.check()
    counters.clear(key)


@pytest.mark.parametrize("backend", ["memory", "postgres"])
def test_a_configured_redis_gets_a_fallback_of_the_backend(backend, request):
    settings = Settings.from_env({"GROUNDWORK_BACKEND": backend, "SECRET_KEY": "s" * 48,
                                  "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    container = build_container(settings)
    if backend == "postgres":
        container.adapters.database_urls.override(request.getfixturevalue("pg_urls"))
    counters = container.adapters.attempt_counters()
    assert isinstance(counters, FallbackCounters)
    assert counters.incr(f"container-test/{time.time_ns()}", 60) == 1
