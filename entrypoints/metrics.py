"""Prometheus metrics: what each process counts, and the text a scrape gets.

Under `groundwork serve` PROMETHEUS_MULTIPROC_DIR is set before any worker imports this module,
so every worker writes its values to files there and a scrape sums them; otherwise (tests, a
lone process) they live in this process's default registry. No label names an org or a person.
"""

from __future__ import annotations

import contextlib
import hmac
import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = Counter("groundwork_http_requests", "HTTP requests answered",
                   ["route", "method", "status"])
LATENCY = Histogram("groundwork_http_request_duration_seconds", "Time to answer a request",
                    ["route", "method", "status"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
THROTTLED = Counter("groundwork_http_throttled", "429 answers", ["route"])
LOGINS = Counter("groundwork_logins", "Password sign-ins by outcome", ["outcome"])
QUOTA_REFUSALS = Counter("groundwork_quota_refusals", "409 quota_exceeded answers", ["limit"])
POOL_IN_USE = Gauge("groundwork_db_pool_in_use", "Connections checked out of the app's pool",
                    multiprocess_mode="livesum")
POOL_WAIT = Histogram("groundwork_db_pool_wait_seconds",
                      "Time a unit of work took to get its connection: from the pool, waiting "
                      "for one, or opening one",
                      buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5))
AUDIT_APPENDS = Counter("groundwork_audit_appends", "Audit entries committed", ["action"])
POOL_OVERFLOW = Gauge("groundwork_db_pool_overflow", "Connections over the pool's size",
                      multiprocess_mode="livesum")

# The login route's answers, by what they mean for the person signing in.
LOGIN_OUTCOMES = {200: "success", 202: "second_factor", 401: "failure", 403: "refused",
                  429: "throttled"}


def observe_pool(engine) -> None:
    """The app engine's pool as it is now (a QueuePool: checked out, and over its size)."""
    pool = engine.pool
    POOL_IN_USE.set(pool.checkedout())
    POOL_OVERFLOW.set(max(pool.overflow(), 0))


class ScrapeTimeCollector:
    """What is read when scraped, from the database itself: whether it answers, and the jobs
    waiting (PostgreSQL's queue only; the memory backend runs its jobs at once)."""

    def __init__(self, probe, job_queue) -> None:
        self._probe = probe
        self._job_queue = job_queue

    def collect(self):
        up = GaugeMetricFamily("groundwork_database_up", "1 when the database answers")
        result = self._probe.check()
        up.add_metric([], 1.0 if result.ok else 0.0)
        yield up
        if self._job_queue is None or not result.ok:
            return
        depth = self._job_queue.pending()
        yield GaugeMetricFamily("groundwork_jobs_waiting", "Jobs waiting to run",
                                value=depth.waiting)
        yield GaugeMetricFamily("groundwork_jobs_oldest_age_seconds",
                                "How long the oldest waiting job has waited",
                                value=depth.oldest.total_seconds() if depth.oldest else 0.0)


def exposition(scrape_time: ScrapeTimeCollector) -> bytes:
    """Every process's metrics (summed from PROMETHEUS_MULTIPROC_DIR when set), then the
    scrape-time ones."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    now = CollectorRegistry()
    now.register(scrape_time)
    return generate_latest(counted) + generate_latest(now)


def token_matches(expected: str | None, authorization: str) -> bool:
    """No token configured: open. Else `Bearer <token>`, compared in constant time."""
    if expected is None:
        return True
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              expected.encode())


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit: a dead worker's live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn may report one exit twice (reaped, then killed): the files are gone already.
        with contextlib.suppress(FileNotFoundError):
            multiprocess.mark_process_dead(pid)
