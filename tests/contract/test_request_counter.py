"""The request counter, in memory, in a real Redis and in PostgreSQL: windows of a clock
minute, one count per subject, exact under parallel hits."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.postgres.attempt_counters import PostgresCounterStorage
from adapters.security.request_counter import LimitsRequestCounter

MINUTE = 1_800_000_000 // 60 * 60  # the start of a minute


@pytest.fixture(params=["memory", "redis", "postgres"])
def counter_at(request):
    """A counter whose clock reads the given time (one namespace per test)."""
    if request.param == "postgres":
        counters = PostgresCounterStorage(request.getfixturevalue("app_engine"))
    else:
        counters = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    namespace = f"gw-test-{uuid.uuid4().hex[:8]}"
    clock = {"now": MINUTE + 15.2}
    counter = LimitsRequestCounter(counters, namespace=namespace, now=lambda: clock["now"])
    return counter, clock


def test_a_window_counts_up_to_its_limit_and_says_when_it_ends(counter_at):
    counter, _ = counter_at
    windows = [counter.hit("org:a", 3) for _ in range(4)]
    assert [w.used for w in windows] == [1, 2, 3, 4]
    assert [w.remaining for w in windows] == [2, 1, 0, 0]
    assert [w.allowed for w in windows] == [True, True, True, False]
    assert {w.reset_in for w in windows} == {45}  # 60 - 15.2, rounded up
    assert counter.hit("org:b", 3).used == 1  # another subject, another count


def test_the_next_minute_starts_again_and_a_changed_limit_keeps_the_count(counter_at):
    counter, clock = counter_at
    for _ in range(3):
        counter.hit("key:k", 10)
    lowered = counter.hit("key:k", 2)
    assert (lowered.used, lowered.remaining, lowered.allowed) == (4, 0, False)
    clock["now"] = MINUTE + 60.5
    fresh = counter.hit("key:k", 2)
    assert (fresh.used, fresh.remaining, fresh.reset_in) == (1, 1, 60)


def test_of_twenty_parallel_hits_against_ten_exactly_ten_are_allowed(counter_at):
    counter, _ = counter_at
    with ThreadPoolExecutor(max_workers=20) as pool:
        windows = list(pool.map(lambda _: counter.hit("org:race", 10), range(20)))
    assert sum(w.allowed for w in windows) == 10
    assert sorted(w.used for w in windows) == list(range(1, 21))
