"""One PostgreSQL transaction on one pooled connection, opened in a single round trip.

Nothing is sent when a unit of work starts. BEGIN, and `SET LOCAL app.org_id` when the tenant
is bound, wait for the first statement and go out with it in one psycopg pipeline: three
statements, one network round trip. Later `SET LOCAL`s (a user scope, a second tenant) ride
with the next statement the same way; each stays a statement of its own, never sharing one
with the reads it guards.

The pool does not ping connections before use. If a pooled connection turns out dead on that
first round trip, nothing of the unit of work has run: the connection is replaced and the
round trip retried once.
"""

from __future__ import annotations

import contextlib
import uuid

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

_PIPELINE = "groundwork.pipeline"
_DIALECT = postgresql.psycopg.dialect()


def app_engine(url, *, pool_size: int) -> Engine:
    """The application's engine: the transaction is ours to open (AUTOCOMMIT at the driver)."""
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                           isolation_level="AUTOCOMMIT")
    event.listen(engine, "after_cursor_execute", _end_pipeline)
    return engine


def _end_pipeline(conn, cursor, statement, parameters, context, executemany) -> None:
    """Sync a pending pipeline right after its last statement, before SQLAlchemy reads results."""
    pipeline = conn.info.pop(_PIPELINE, None)
    if pipeline is not None:
        pipeline.close()


class Compiled:
    """A Core statement compiled once, at import, for psycopg: run without SQLAlchemy's per-call
    cache-key walk and bind processing (psycopg adapts UUIDs, datetimes and JSON natively)."""

    def __init__(self, statement) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self.constants = {k: v for k, v in compiled.params.items() if v is not None}


class Transaction:
    """What repositories execute on: SQLAlchemy's `execute`, with BEGIN and bindings deferred."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._pending: list[str] = []

    def set_local(self, name: str, value: uuid.UUID | str) -> None:
        """SET LOCAL takes no bind parameters, so the value is validated as a UUID first."""
        self._pending.append(f"SET LOCAL {name} = '{uuid.UUID(str(value))}'")

    def execute(self, statement, params=None):
        if self._conn is None:
            return self._open(statement, params)
        if self._pending:
            commands, self._pending = self._pending, []
            return self._pipelined(self._conn, commands, statement, params)
        return _run(self._conn, statement, params)

    def commit(self) -> None:
        self._end("COMMIT")

    def rollback(self) -> None:
        self._end("ROLLBACK")

    def close(self) -> None:
        try:
            self.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _open(self, statement, params):
        commands, self._pending = ["BEGIN", *self._pending], []
        for attempt in (1, 2):
            conn = self._engine.connect()
            try:
                result = self._pipelined(conn, commands, statement, params)
            except DBAPIError as error:
                conn.close()
                if attempt == 2 or not error.connection_invalidated:
                    raise
                continue
            self._conn = conn
            return result
        raise AssertionError("unreachable")

    @staticmethod
    def _pipelined(conn: Connection, commands: list[str], statement, params):
        driver = conn.connection.driver_connection
        with contextlib.ExitStack() as pipeline:
            pipeline.enter_context(driver.pipeline())
            for command in commands:
                # Tenant ids vary: not worth a server-side prepared statement each.
                driver.execute(command, prepare=command == "BEGIN")
            conn.info[_PIPELINE] = pipeline
            try:
                return _run(conn, statement, params)
            finally:
                conn.info.pop(_PIPELINE, None)

    def _end(self, command: str) -> None:
        self._pending.clear()
        if self._conn is not None and self._in_transaction():
            self._conn.exec_driver_sql(command)

    def _in_transaction(self) -> bool:
        status = self._conn.connection.driver_connection.pgconn.transaction_status
        return status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)


def _run(conn: Connection, statement, params):
    if isinstance(statement, Compiled):
        return conn.exec_driver_sql(statement.sql, {**statement.constants, **(params or {})})
    return conn.execute(statement, params)
