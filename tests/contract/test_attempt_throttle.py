"""The attempt throttle, in memory, in a real Redis and in PostgreSQL: the cap holds, even under
parallel guesses, and in PostgreSQL across processes (two storages on one database)."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.postgres.attempt_counters import PostgresCounterStorage
from adapters.security.attempt_throttle import LimitsAttemptThrottle


@pytest.fixture(params=["memory", "redis", "postgres"])
def throttle_factory(request):
    if request.param == "postgres":
        engine = request.getfixturevalue("app_engine")
        counters = lambda: PostgresCounterStorage(engine)  # noqa: E731 - a new one per throttle
    else:
        uri = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
        counters = lambda: uri  # noqa: E731
    namespace = f"gw-test-{uuid.uuid4().hex[:8]}"
    return lambda **limits: LimitsAttemptThrottle(counters(), namespace=namespace, **limits)


def test_the_account_cap_holds_and_says_when_to_retry(throttle_factory):
    throttle = throttle_factory(per_account="3/minute", per_ip="100/minute")
    assert [throttle.reserve("a@x.test", "10.0.0.1") for _ in range(3)] == [None] * 3
    retry_after = throttle.reserve("A@X.test", "10.0.0.1")
    assert retry_after is not None and 1 <= retry_after <= 60
    assert throttle.reserve("b@x.test", "10.0.0.1") is None


def test_a_stranger_who_exhausts_an_account_does_not_lock_its_owner_out(throttle_factory):
    throttle = throttle_factory(per_account="3/minute", per_ip="100/minute",
                                per_account_all="20/minute")
    stranger = [throttle.reserve("owner@x.test", "203.0.113.66") for _ in range(10)]
    assert stranger[:3] == [None] * 3 and all(stranger[3:])
    assert throttle.reserve("owner@x.test", "10.0.0.1") is None  # the owner, from home


def test_spreading_guesses_over_many_addresses_meets_the_all_sources_cap(throttle_factory):
    throttle = throttle_factory(per_account="3/minute", per_ip="100/minute",
                                per_account_all="5/minute")
    spread = [throttle.reserve("owner@x.test", f"203.0.113.{n}") for n in range(8)]
    assert spread[:5] == [None] * 5 and all(spread[5:])


def test_the_address_cap_holds_across_accounts(throttle_factory):
    throttle = throttle_factory(per_account="100/minute", per_ip="2/minute")
    assert throttle.reserve("a@x.test", "10.0.0.9") is None
    assert throttle.reserve("b@x.test", "10.0.0.9") is None
    assert throttle.reserve("c@x.test", "10.0.0.9") is not None


def test_a_success_resets_the_account(throttle_factory):
    throttle = throttle_factory(per_account="2/minute", per_ip="100/minute")
    throttle.reserve("a@x.test", "10.0.0.1")
    throttle.reserve("a@x.test", "10.0.0.1")
    throttle.reset("a@x.test", "10.0.0.1")
    assert throttle.reserve("a@x.test", "10.0.0.1") is None


def test_fifty_parallel_guesses_get_no_more_than_the_cap(throttle_factory):
    throttle = throttle_factory(per_account="10/minute", per_ip="1000/minute")
    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(lambda _: throttle.reserve("victim@x.test", "10.1.1.1"), range(50)))
    assert results.count(None) == 10


def test_two_server_processes_share_one_count_in_the_database(app_engine):
    """What one `memory://` store per worker got wrong: the cap is the cap, not cap x workers."""
    namespace = f"gw-test-{uuid.uuid4().hex[:8]}"
    workers = [LimitsAttemptThrottle(PostgresCounterStorage(app_engine), namespace=namespace,
                                     per_account="10/minute", per_ip="1000/minute")
               for _ in range(2)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda n: workers[n % 2].reserve("victim@x.test", "10.1.1.2"),
                                range(40)))
    assert results.count(None) == 10


def test_an_expired_window_starts_again_and_expired_rows_are_pruned(app_engine, owner_engine):
    storage = PostgresCounterStorage(app_engine)
    stale = f"gw-test-stale-{uuid.uuid4().hex[:8]}"
    live = f"gw-test-live-{uuid.uuid4().hex[:8]}"
    assert storage.incr(stale, 60, amount=5) == 5
    with owner_engine.begin() as conn:
        conn.exec_driver_sql("UPDATE attempt_counters SET expires_at = now() - interval '1 second' "
                             "WHERE key = %(key)s", {"key": stale})
    assert storage.get(stale) == 0 and storage.get_expiry(stale) <= time.time() + 1
    assert storage.incr(live, 60) == 1  # prunes a few expired counters of other keys
    with owner_engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT count(*) FROM attempt_counters WHERE key = %(key)s",
                                    {"key": stale}).scalar_one()
    assert left == 0
    assert storage.incr(stale, 60) == 1  # a window that passed starts again
    assert storage.check() is True
    storage.clear(live)
    assert storage.get(live) == 0
    assert storage.reset() >= 1 and storage.get(stale) == 0  # every counter goes
