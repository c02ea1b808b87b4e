"""The job queue in PostgreSQL: procrastinate's tables, in a schema of their own (migration
0020). They are platform tables, no tenant's: no org_id, no row-level security, never joined
with a tenant table (on Citus they stay plain tables on the coordinator).

A job is deferred inside the unit of work that asks for it, on its transaction: the job's row
commits with the rows it is about (an export's), or neither does. Procrastinate's own deferring
takes a connection of its own, so this calls its versioned SQL function directly; its worker
(adapters/postgres/worker.py) runs the jobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta

import structlog
from sqlalchemy import Engine, text

from adapters.postgres.transaction import Transaction
from application.ports.jobs import JobArgument, JobQueue, Jobs, QueueDepth

SCHEMA = "procrastinate"
QUEUE = "default"
# The deferring request's id (X-Request-ID), read from the log context it is bound to: the worker
# takes it off the arguments and logs the job under it (adapters/postgres/worker.py).
REQUEST_ID = "_request_id"

_DEFER = text(f"""
    SELECT {SCHEMA}.procrastinate_defer_jobs_v1(ARRAY[ROW(
        :queue, :task, 0, NULL, NULL, CAST(:args AS jsonb), NULL
    )]::{SCHEMA}.procrastinate_job_to_defer_v1[])""")
# Waiting: queued, or back in the queue for a retry. Its age: since it was first deferred.
_PENDING = text(f"""
    SELECT count(*) AS waiting, now() - min(e.at) AS oldest
    FROM {SCHEMA}.procrastinate_jobs j
    LEFT JOIN {SCHEMA}.procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred'
    WHERE j.status = 'todo'""")


# A running worker writes its heartbeat every 10 s; one that died leaves its row behind.
_HEARTBEATS = text(f"""
    SELECT now() - last_heartbeat AS since FROM {SCHEMA}.procrastinate_workers
    ORDER BY last_heartbeat DESC""")

_FORGET = text(f"""
    DELETE FROM {SCHEMA}.procrastinate_jobs j
    WHERE j.status <> 'doing'
      AND EXISTS (SELECT FROM jsonb_each_text(j.args) arg WHERE arg.value = ANY(:mentions))""")


class PgJobs(Jobs):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def defer(self, task: str, **args: JobArgument) -> None:
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id is not None:
            args[REQUEST_ID] = request_id
        self._tx.execute(_DEFER, {"queue": QUEUE, "task": task, "args": json.dumps(args)})

    def forget(self, mentions: Iterable[str]) -> int:
        return self._tx.execute(_FORGET, {"mentions": sorted(mentions)}).rowcount


class PgJobQueue(JobQueue):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def pending(self) -> QueueDepth:
        with self._engine.connect() as conn:
            row = conn.execute(_PENDING).one()
        return QueueDepth(waiting=row.waiting, oldest=row.oldest)

    def heartbeats(self) -> list[timedelta]:
        with self._engine.connect() as conn:
            return list(conn.execute(_HEARTBEATS).scalars())
