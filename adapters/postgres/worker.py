"""Runs the queued jobs: procrastinate's worker, logged in as the application role. Each job is a
use case called by name (application/jobs.py) with the arguments it was deferred with, and is
tried again with backoff when it fails."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping

import procrastinate
import structlog
from sqlalchemy import URL

from adapters.postgres.jobs import REQUEST_ID, SCHEMA
from application.jobs import JobHandler

RETRY_WAIT_SECONDS = 4  # a failed job's first retry; then 16 s, 64 s, 4 min, 17 min
POLL_SECONDS = 5.0  # procrastinate's own: how often a worker looks for a retry that is due
CONCURRENCY = 4  # jobs at once, each on a thread: one long export does not hold up the mail
GRACE_SECONDS = 10  # on SIGTERM, for the jobs under way (as gunicorn gives a request)
RETRY_STALLED = "jobs.retry_stalled"


def backoff(first_wait: int = RETRY_WAIT_SECONDS) -> procrastinate.RetryStrategy:
    """Five retries, each waiting a power of `first_wait` seconds (JOB_RETRY_WAIT_SECONDS):
    4, 16, 64... by default; 1 (tests) tries again every second."""
    return procrastinate.RetryStrategy(max_attempts=5, exponential_wait=first_wait)


RETRY = backoff()


class ProcrastinateWorker:
    def __init__(self, app_url: URL, handlers: Mapping[str, JobHandler],
                 retry: procrastinate.RetryStrategy = RETRY,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self._conninfo = app_url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._handlers = handlers
        self._retry = retry
        self._poll_seconds = poll_seconds  # a retry is due then, and no notification says so

    def run(self, *, until_empty: bool = False) -> None:
        """Work until SIGINT or SIGTERM (the jobs under way finish first); with `until_empty`,
        one job at a time and only until none is due (tests, or catching up once)."""
        asyncio.run(self._work(until_empty))

    async def _work(self, until_empty: bool) -> None:
        # Catching up runs what is due, and no clock: the periodic check would race the end.
        async with self.app(periodic=not until_empty).open_async() as app:
            await retry_stalled(app)  # what a worker that died had under way, first
            await app.run_worker_async(
                concurrency=1 if until_empty else CONCURRENCY, wait=not until_empty,
                listen_notify=not until_empty, install_signal_handlers=not until_empty,
                shutdown_graceful_timeout=GRACE_SECONDS,
                fetch_job_polling_interval=self._poll_seconds,
                delete_jobs="successful")  # done jobs go, with their arguments; failed ones stay

    def app(self, *, periodic: bool = True) -> procrastinate.App:
        connector = procrastinate.PsycopgConnector(
            conninfo=self._conninfo, min_size=1, max_size=CONCURRENCY + 1,
            kwargs={"options": f"-c search_path={SCHEMA}"})  # procrastinate names no schema
        app = procrastinate.App(connector=connector)
        for name, handler in self._handlers.items():
            app.task(name=name, retry=self._retry)(under_request_id(handler))
        if periodic:
            @app.periodic(cron="* * * * *")
            @app.task(name=RETRY_STALLED, queueing_lock=RETRY_STALLED)
            async def every_minute(timestamp: int) -> None:
                await retry_stalled(app)
        return app


def under_request_id(handler: JobHandler) -> JobHandler:
    """The handler, given its arguments without the deferring request's id, and logging under
    that id while it runs (a job deferred outside a request has none)."""
    @functools.wraps(handler)
    def run(**args):
        request_id = args.pop(REQUEST_ID, None)
        if request_id is None:
            return handler(**args)
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            return handler(**args)
    return run


async def retry_stalled(app: procrastinate.App) -> None:
    """A job left running by a worker that died (no heartbeat for 30 s) goes back in the queue."""
    for job in await app.job_manager.get_stalled_jobs():
        await app.job_manager.retry_job(job)
