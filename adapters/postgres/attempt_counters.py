"""A `limits` storage in PostgreSQL: attempt caps that hold across every server process when
no Redis is configured. Fixed windows, each counter one row; an increment is one atomic
upsert (its own transaction, so a refused request's attempt still counts)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import psycopg
from limits.storage import Storage
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from adapters.postgres.transaction import Compiled

# A counter whose window has passed starts again at `amount`; a few expired rows of other
# keys are pruned by the same statement, so the table holds about the live windows only.
# The clock is this process's, passed in: Citus (a reference table) refuses now() in DO UPDATE.
_INCR = text("""
    WITH pruned AS (
        DELETE FROM attempt_counters WHERE key IN (
            SELECT key FROM attempt_counters
            WHERE expires_at < :now AND key <> :key LIMIT 8 FOR UPDATE SKIP LOCKED))
    INSERT INTO attempt_counters AS c (key, hits, expires_at)
    VALUES (:key, :amount, :expires_at)
    ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN c.expires_at <= :now THEN excluded.hits ELSE c.hits + excluded.hits END,
        expires_at = CASE WHEN c.expires_at <= :now THEN excluded.expires_at
                          ELSE c.expires_at END
    RETURNING hits""")
_INCR_COMPILED = Compiled(_INCR)
_GET = text("SELECT hits FROM attempt_counters WHERE key = :key AND expires_at > :now")
_EXPIRY = text("SELECT expires_at FROM attempt_counters WHERE key = :key AND expires_at > :now")
_CLEAR = text("DELETE FROM attempt_counters WHERE key = :key")
_RESET = text("DELETE FROM attempt_counters")
_CHECK = text("SELECT 1")


class PostgresCounterStorage(Storage):
    """For the FixedWindowRateLimiter; keys name no address (the throttle digests them)."""

    STORAGE_SCHEME = None  # built with an engine, never from a URI

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return DBAPIError, psycopg.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """On psycopg's cursor (prepared after a few uses): it runs on every API request, and
        SQLAlchemy's statement path cost ~100 µs of CPU more per call."""
        now = _now()
        with self._engine.connect() as conn:
            driver = conn.connection.driver_connection
            rows = _INCR_COMPILED.rows(driver.cursor(), {
                "key": key, "amount": amount, "now": now,
                "expires_at": now + timedelta(seconds=expiry)})
            driver.commit()  # nothing to send on the app's engine (AUTOCOMMIT at the driver)
        return rows[0][0]

    def get(self, key: str) -> int:
        return self._one(_GET, {"key": key, "now": _now()}) or 0

    def get_expiry(self, key: str) -> float:
        expires_at = self._one(_EXPIRY, {"key": key, "now": _now()})
        return expires_at.timestamp() if expires_at is not None else time.time()

    def check(self) -> bool:
        try:
            return self._one(_CHECK, {}) == 1
        except DBAPIError:
            return False

    def reset(self) -> int | None:
        with self._engine.begin() as conn:
            return conn.execute(_RESET).rowcount

    def clear(self, key: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(_CLEAR, {"key": key})

    def _one(self, statement, params: dict):
        with self._engine.begin() as conn:  # one statement, one transaction
            return conn.execute(statement, params).scalar_one_or_none()


def _now() -> datetime:
    return datetime.now(UTC)
