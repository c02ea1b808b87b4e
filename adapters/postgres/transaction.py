"""One PostgreSQL transaction on one pooled connection, opened in one round trip.

Nothing is sent when a unit of work starts. BEGIN, and `SET LOCAL app.org_id` when the tenant
is bound, wait until the first statement is due, then go out ahead of it as one message
("BEGIN; SET LOCAL app.org_id = '…'", simple protocol, straight to libpq): each its own
statement, never sharing one with the reads it guards. A later `SET LOCAL` (a user scope, a
second tenant) goes the same way ahead of the next statement. COMMIT and ROLLBACK go straight
to libpq too, and only when a transaction is open.

The pool does not ping connections before use. It only looks, without a round trip, whether
the server has closed a connection as it is taken (a server that stops tells every client so):
then that connection and every older one are dropped, since a restarted server left them all
dead. A pooled connection that turns out dead all the same fails the unit of work's first round
trip before any of its statements ran: it is replaced and that round trip retried once. A
connection refused at once (a server restarting) is tried once more after a short pause;
nothing has been sent then, so a write is as safe as a read.

A unique violation becomes a 409 Conflict here, on any engine (see `unique`).

Hot statements (the principal, the members page, the key lookup, the org update, the audit
head and append) are SQLAlchemy Core statements compiled once at import (`Compiled`) and run on
psycopg's cursor, which prepares them server-side after a few uses; the rest runs through
SQLAlchemy's Connection.
"""

from __future__ import annotations

import select
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

import psycopg
import psycopg.errors
from psycopg import pq
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidatePoolError, OperationalError

from adapters.postgres.unique import conflict

_DIALECT = postgresql.psycopg.dialect()
T = TypeVar("T")
_OPEN = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)
RECONNECT_PAUSE = 0.5  # seconds before the one more try at opening a connection


def app_engine(url, *, pool_size: int, connect_timeout: int = 5,
               statement_timeout: int = 20) -> Engine:
    """The application's engine: the transaction is ours to open (AUTOCOMMIT at the driver).
    Opening a connection, or waiting for a pooled one, gives up after `connect_timeout`
    seconds; a statement is cancelled after `statement_timeout` seconds."""
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                           pool_timeout=connect_timeout,
                           connect_args={"connect_timeout": connect_timeout,
                                         "options": f"-c statement_timeout={statement_timeout}s"},
                           hide_parameters=True,  # no password hash or token in an error log
                           isolation_level="AUTOCOMMIT")
    event.listen(engine, "checkout", _refuse_closed_by_server)
    return engine


def _refuse_closed_by_server(driver: psycopg.Connection, record, proxy) -> None:
    """An idle connection has nothing to read unless the server said goodbye (a shutdown, a
    terminated backend) and closed it: one poll of its socket, no round trip."""
    readable = select.poll()
    readable.register(driver.fileno(), select.POLLIN)
    if readable.poll(0):
        raise InvalidatePoolError("the server closed a pooled connection")


class Compiled:
    """A Core statement compiled once, at import, for psycopg: run without SQLAlchemy's per-call
    cache-key walk and result machinery (psycopg adapts UUIDs, datetimes and JSON natively)."""

    def __init__(self, statement, row_factory=namedtuple_row) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self.constants = {k: v for k, v in compiled.params.items() if v is not None}
        self.row_factory = row_factory

    def rows(self, cursor: psycopg.Cursor, params: dict) -> list:
        cursor.row_factory = self.row_factory
        return cursor.execute(self.sql, {**self.constants, **params}).fetchall()

    def run(self, cursor: psycopg.Cursor, params: dict) -> int:
        """For a statement that returns no rows: how many it touched."""
        return cursor.execute(self.sql, {**self.constants, **params}).rowcount


def _unset_scopes(pending: list[str]) -> list[str]:
    """The scopes this transaction does not set, set empty for it: a session-level value left
    on the connection (a `set_config(..., false)`, or on Citus one left on a cached connection
    to a worker) must never stand in for a tenant or a user. With the tenant set, the user
    scope is off whatever it holds, so a tenant transaction needs nothing more."""
    bound = {statement.split()[2] for statement in pending}
    if "app.org_id" in bound:
        return []
    return [f"SET LOCAL {name} = ''" for name in ("app.org_id", "app.user_id")
            if name not in bound]


class Transaction:
    """What repositories execute on: BEGIN and bindings deferred to the first statement."""

    def __init__(self, engine: Engine,
                 waited: Callable[[float], None] = lambda _seconds: None) -> None:
        self._engine = engine
        self._waited = waited
        self._conn: Connection | None = None
        self._driver: psycopg.Connection | None = None
        self._cursor: psycopg.Cursor | None = None  # one per transaction, for the compiled reads
        self._pending: list[str] = []
        self._after_commit: list[Callable[[], None]] = []

    def set_local(self, name: str, value: uuid.UUID | str) -> None:
        """SET LOCAL takes no bind parameters, so the value is validated as a UUID first."""
        self._pending.append(f"SET LOCAL {name} = '{uuid.UUID(str(value))}'")

    def execute(self, statement, params=None):
        """A SQLAlchemy statement, through SQLAlchemy's Connection."""
        try:
            return self._ready().execute(statement, params)
        except IntegrityError as error:
            if isinstance(error.orig, psycopg.errors.UniqueViolation):
                raise conflict(error.orig) from None
            raise

    def fetch(self, statement: Compiled, params: dict) -> list:
        """A compiled read (or a write that returns rows) on psycopg's cursor: its rows, with
        attribute access."""
        self._ready()
        try:
            return statement.rows(self._cursor, params)
        except psycopg.errors.UniqueViolation as error:
            raise conflict(error) from None

    def run(self, statement: Compiled, params: dict) -> int:
        """A compiled write that returns no rows, on psycopg's cursor: the rows it touched."""
        self._ready()
        try:
            return statement.run(self._cursor, params)
        except psycopg.errors.UniqueViolation as error:
            raise conflict(error) from None

    def lookup(self, statement: Compiled, params: dict) -> list:
        """A read of a global table that may run before the transaction opens: it then goes out
        alone, in autocommit, and BEGIN waits for the next statement (as for an API key's
        prefix, looked up before its tenant is known)."""
        if self._conn is not None or self._pending:
            return self.fetch(statement, params)
        rows = self._connect(lambda cursor: statement.rows(cursor, params))
        self._pending = ["BEGIN"]
        return rows

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once this transaction has committed; never if it rolls back."""
        self._after_commit.append(action)

    def commit(self) -> None:
        self._end(b"COMMIT")
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    def rollback(self) -> None:
        self._after_commit.clear()
        self._end(b"ROLLBACK")

    def _end(self, command: bytes) -> None:
        self._pending.clear()
        if self._driver is not None and self._driver.pgconn.transaction_status in _OPEN:
            _command(self._driver, command)

    def close(self) -> None:
        try:
            self.rollback()
        finally:
            if self._conn is not None:
                self._cursor.close()
                self._conn.close()
                self._conn = self._driver = self._cursor = None

    def _ready(self) -> Connection:
        if self._conn is None:
            # One simple-protocol message may hold several statements: "BEGIN; SET LOCAL …".
            opening = "; ".join(["BEGIN", *_unset_scopes(self._pending), *self._pending]).encode()
            self._connect(lambda cursor: _command(cursor.connection, opening))
        elif self._pending:
            _command(self._driver, "; ".join(self._pending).encode())
        self._pending = []
        return self._conn

    def _connect(self, first: Callable[[psycopg.Cursor], T]) -> T:
        """Take a pooled connection and return its answer to `first`, the first round trip."""
        for attempt in (1, 2):
            conn = self._open()
            driver = conn.connection.driver_connection
            cursor = driver.cursor()
            try:
                answer = first(cursor)
            except psycopg.Error:
                dead = driver.broken or driver.closed
                conn.invalidate()
                conn.close()
                if attempt == 2 or not dead:
                    raise
                continue
            except BaseException:
                conn.close()
                raise
            self._conn, self._driver, self._cursor = conn, driver, cursor
            return answer
        raise AssertionError("unreachable")

    def _open(self) -> Connection:
        """A connection refused at once (a server restarting) is tried once more, shortly after;
        one that timed out is not, so that the wait stays within the connect timeout."""
        started = time.monotonic()
        try:
            try:
                return self._engine.connect()
            except OperationalError:
                if time.monotonic() - started > RECONNECT_PAUSE:
                    raise
                time.sleep(RECONNECT_PAUSE)
                return self._engine.connect()
        finally:  # a wait that ended in a pool timeout counts too: the worst of them
            self._waited(time.monotonic() - started)


def _command(driver: psycopg.Connection, command: bytes) -> None:
    """A fixed command with no parameters (BEGIN and SET LOCAL, COMMIT, ROLLBACK) straight to
    libpq: no cursor, no result to read, ~40 µs less per request than through a cursor.
    psycopg reads the transaction status from libpq, so it stays in step."""
    result = driver.pgconn.exec_(command)
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise psycopg.errors.error_from_result(result, encoding=driver.info.encoding)


def database_error(error: Exception) -> str:
    """The server's message of a driver error, wrapped by SQLAlchemy or not."""
    return str(error.orig) if isinstance(error, DBAPIError) else str(error)
