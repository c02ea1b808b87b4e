"""pg_dump and pg_restore as subprocesses, their bytes streamed through pipes (never in memory).

They log in as the owner, who must read every row through the forced row-level security (a
superuser, or BYPASSRLS), as the embedded server's owner does. A dump runs in a snapshot that
this adapter exports, so that the manifest's counts are those of the dump; a restore runs in one
transaction (all or nothing). One that replaces a database goes into a new database beside it,
is checked there, and only then takes the target's name (the old one is dropped): a failure
before that leaves the target as it was.
"""

from __future__ import annotations

import logging
import secrets
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import URL, Connection, create_engine, pool, text
from sqlalchemy.exc import SQLAlchemyError

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
from domain.backup import BackupFailed

CHUNK = 1024 * 1024
log = logging.getLogger(__name__)


def _base(database: str) -> str:
    return database[:63 - len("_replaced_") - 8]


def _sibling(database: str, kind: str) -> str:
    """`<target>_restore_1a2b3c4d`, `<target>_replaced_...`: a new name beside the target, cut
    to fit PostgreSQL's 63 bytes (which would otherwise cut it silently)."""
    return f"{_base(database)}_{kind}_{secrets.token_hex(4)}"


def _quoted(conn: Connection, name: str) -> str:
    return conn.execute(text("SELECT quote_ident(:n)"), {"n": name}).scalar_one()


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
                access: dict[str, Any],
                check: Callable[[DatabaseFacts], None] | None = None) -> None:
        tool = pg_tool("pg_restore")  # before anything is made
        # The target's role (`<target>_app`), never the temporary database's: the copy is
        # renamed to the target, whose application logs in as this role.
        role = self._app_role if database == self.configured_database() else f"{database}_app"
        self._ensure_role(role)
        if not replace:  # an empty or missing target: nothing in it to lose
            self._create(database, exists_ok=True)
            self._load(tool, chunks, database, role, access, check)
            return
        # Replacing a database that holds tables: the dump goes into a new database beside it,
        # which is checked and only then swapped in; any failure before that leaves the target
        # as it was (all or nothing, even for a dump pg_restore gives up on half way).
        staged = _sibling(database, "restore")
        self._create(staged, exists_ok=False)
        try:
            self._load(tool, chunks, staged, role, access, check)
            self._swap(staged, database)
        except BackupFailed as error:
            self._drop_quietly(staged)
            raise BackupFailed(f"{error.message}; database {database!r} was left as it was",
                               code=error.code) from error
        except BaseException:
            self._drop_quietly(staged)
            raise

    def _load(self, tool: str, chunks: Iterable[bytes], database: str, role: str,
              access: dict[str, Any], check: Callable[[DatabaseFacts], None] | None) -> None:
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
        if check is not None:
            check(self.facts(database))

    def _swap(self, staged: str, database: str) -> None:
        """`staged` renamed to `database`, and the database it replaces dropped. New sessions
        are refused first and the target's own are ended (as DROP DATABASE ... WITH (FORCE)
        does); both renames are one transaction, so a failure leaves the target as it was."""
        replaced = _sibling(database, "replaced")
        admin = self._owner.set(database="postgres")
        with _connect(admin, autocommit=True) as conn:
            target, old, new = (_quoted(conn, name) for name in (database, replaced, staged))
            allowed = conn.execute(text("SELECT datallowconn FROM pg_database WHERE datname = :d"),
                                   {"d": database}).scalar()
            try:
                conn.execute(text(f"ALTER DATABASE {target} WITH ALLOW_CONNECTIONS false"))
                with _connect(admin) as swap, swap.begin():
                    swap.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE datname = :d AND pid <> pg_backend_pid()"),
                                 {"d": database})
                    swap.execute(text(f"ALTER DATABASE {target} RENAME TO {old}"))
                    swap.execute(text(f"ALTER DATABASE {new} RENAME TO {target}"))
            except BaseException as error:
                if allowed:  # the renames were rolled back: `target` is still the original
                    try:
                        conn.execute(text(f"ALTER DATABASE {target} WITH ALLOW_CONNECTIONS true"))
                    except SQLAlchemyError:
                        log.exception("database %s still refuses connections", database)
                if isinstance(error, SQLAlchemyError):
                    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
                    raise BackupFailed(f"the restored copy could not take the place of "
                                       f"{database!r}: {reason}") from error
                raise
            try:
                conn.execute(text(f"DROP DATABASE {old} WITH (FORCE)"))
            except SQLAlchemyError:  # the restore is in place; only the old copy is left over
                log.exception("the replaced database %s was not dropped: drop it by hand", replaced)

    def _create(self, database: str, *, exists_ok: bool) -> None:
        with _connect(self._owner.set(database="postgres"), autocommit=True) as conn:
            if exists_ok and conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                          {"d": database}).scalar():
                return
            conn.execute(text(f"CREATE DATABASE {_quoted(conn, database)}"))

    def _drop_quietly(self, database: str) -> None:
        """Drop a temporary database on the way out of a failure (which stays the error)."""
        try:
            with _connect(self._owner.set(database="postgres"), autocommit=True) as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(conn, database)} WITH (FORCE)"))
        except SQLAlchemyError:
            log.exception("the temporary database %s was not dropped: drop it by hand", database)

    def _ensure_role(self, role: str) -> None:
        """The application role, made as the first migration makes it."""
        with _connect(self._owner.set(database="postgres"), autocommit=True) as conn:
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                            {"r": role}).scalar():
                return
            quoted = _quoted(conn, role)
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
