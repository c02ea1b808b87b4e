"""pg_dump and pg_restore as subprocesses, their bytes streamed through pipes (never in memory).

They log in as the owner, who must read every row through the forced row-level security (a
superuser, or BYPASSRLS), as the embedded server's owner does. A dump runs in a snapshot that
this adapter exports, so that the manifest's counts are those of the dump; a restore runs in one
transaction (all or nothing) into a database made empty first.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import URL, Connection, create_engine, pool, text

from adapters.postgres import catalog
from adapters.postgres.pg_tools import libpq, pg_tool, tool_failure
from adapters.postgres.server import DatabaseUrls
from application.ports.database_dump import (
    DatabaseDump,
    DatabaseFacts,
    DumpDescription,
    Snapshot,
    TargetState,
)

CHUNK = 1024 * 1024


@contextmanager
def _connect(url: URL, *, autocommit: bool = False) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=pool.NullPool, hide_parameters=True,
                           isolation_level="AUTOCOMMIT" if autocommit else "READ COMMITTED")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


class _PostgresSnapshot(Snapshot):
    def __init__(self, conn: Connection, snapshot_id: str, url: URL, app_role: str) -> None:
        self._conn = conn
        self._id = snapshot_id
        self._url = url
        self._app_role = app_role

    def describe(self) -> DumpDescription:
        version = subprocess.run([pg_tool("pg_dump"), "--version"], check=True,  # noqa: S603
                                 capture_output=True, text=True).stdout.strip()
        return DumpDescription(
            database=self._url.database, schema_revision=catalog.schema_revision(self._conn),
            server_version=self._conn.execute(text("SHOW server_version")).scalar_one(),
            tool_version=version, facts=catalog.facts(self._conn),
            access=catalog.access(self._conn, self._app_role))

    def stream(self) -> Iterator[bytes]:
        conninfo, env = libpq(self._url)
        command = [pg_tool("pg_dump"), "--format=custom", f"--snapshot={self._id}",
                   "--dbname", conninfo]
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stdout=subprocess.PIPE,  # noqa: S603
                                       stderr=errors, env=env)
            try:
                while chunk := process.stdout.read(CHUNK):
                    yield chunk
                if process.wait() != 0:
                    raise tool_failure("pg_dump", errors)
            finally:
                if process.poll() is None:  # the reader gave up: stop the dump too
                    process.kill()
                    process.wait()
                process.stdout.close()


class PostgresDatabaseDump(DatabaseDump):
    def __init__(self, urls: DatabaseUrls, app_password: str | None = None) -> None:
        self._owner = urls.owner_url
        self._app_role = urls.app_url.username
        self._app_password = app_password

    def configured_database(self) -> str:
        return self._owner.database

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        with _connect(self._owner) as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.execute(text("SET TRANSACTION READ ONLY"))
                conn.execute(text("SET LOCAL row_security = off"))  # fail, never skip rows
                snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                yield _PostgresSnapshot(conn, snapshot_id, self._owner, self._app_role)

    def target_state(self, database: str) -> str:
        with _connect(self._owner.set(database="postgres")) as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                  {"d": database}).scalar()
        if not exists:
            return TargetState.MISSING
        with _connect(self._owner.set(database=database)) as conn:
            used = conn.execute(text(
                "SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND n.nspname NOT LIKE 'pg_toast%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f'))"
            )).scalar_one()
        return TargetState.NOT_EMPTY if used else TargetState.EMPTY

    def restore(self, chunks: Iterable[bytes], database: str, *, replace: bool,
                access: dict[str, Any]) -> None:
        tool = pg_tool("pg_restore")  # before anything is dropped
        role = self._app_role if database == self.configured_database() else f"{database}_app"
        self._prepare(database, role, replace=replace)
        target = self._owner.set(database=database)
        conninfo, env = libpq(target)
        command = [tool, "--no-owner", "--no-privileges", "--single-transaction",
                   "--dbname", conninfo]
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stdin=subprocess.PIPE,  # noqa: S603
                                       stdout=subprocess.DEVNULL, stderr=errors, env=env)
            try:
                for chunk in chunks:
                    process.stdin.write(chunk)
                process.stdin.close()
            except BrokenPipeError:
                pass  # pg_restore stopped reading: its exit status says why
            except BaseException:
                process.kill()  # its one transaction is rolled back
                process.wait()
                raise
            if process.wait() != 0:
                raise tool_failure("pg_restore", errors)
        with _connect(target) as conn, conn.begin():
            catalog.grant(conn, role, access)

    def _prepare(self, database: str, role: str, *, replace: bool) -> None:
        """The database, empty, and its application role (made as the first migration makes it)."""
        with _connect(self._owner.set(database="postgres"), autocommit=True) as conn:
            name = conn.execute(text("SELECT quote_ident(:d)"), {"d": database}).scalar_one()
            if replace:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                {"d": database}).scalar():
                conn.execute(text(f"CREATE DATABASE {name}"))
            if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                {"r": role}).scalar():
                quoted = conn.execute(text("SELECT quote_ident(:r)"), {"r": role}).scalar_one()
                conn.execute(text(f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB "
                                  "NOCREATEROLE NOINHERIT"))
                if self._app_password:  # APP_DB_PASSWORD, as the first migration gives it
                    literal = conn.execute(text("SELECT quote_literal(:p)"),
                                           {"p": self._app_password}).scalar_one()
                    conn.execute(text(f"ALTER ROLE {quoted} PASSWORD {literal}"))

    def facts(self, database: str) -> DatabaseFacts:
        with _connect(self._owner.set(database=database)) as conn, conn.begin():
            conn.execute(text("SET LOCAL row_security = off"))
            return catalog.facts(conn)
