"""The whole database as one file and back (pg_dump and pg_restore): the operator's backups.

A dump is read inside one snapshot, so that what the manifest says about the database (row
counts, each org's audit chain head) is exactly what the dump holds.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from attrs import define


@define(frozen=True)
class ChainHead:
    org_id: uuid.UUID
    seq: int
    hash: str


@define(frozen=True)
class DatabaseFacts:
    """What a backup is checked against: the rows of every table and where each audit chain ends."""

    row_counts: dict[str, int]
    chain_heads: tuple[ChainHead, ...]


@define(frozen=True)
class DumpDescription:
    database: str
    schema_revision: str | None
    server_version: str
    tool_version: str
    facts: DatabaseFacts
    access: dict[str, Any]  # how the application role reached the tables: given back to restore()


class TargetState:
    MISSING = "missing"
    EMPTY = "empty"
    NOT_EMPTY = "not empty"


class Snapshot(abc.ABC):
    @abc.abstractmethod
    def describe(self) -> DumpDescription:
        """The database as this snapshot sees it."""

    @abc.abstractmethod
    def stream(self) -> Iterator[bytes]:
        """The dump of this snapshot, in chunks as the tool writes them (never all in memory);
        raises BackupFailed at the end when the tool failed."""


class DatabaseDump(abc.ABC):
    @abc.abstractmethod
    def snapshot(self) -> AbstractContextManager[Snapshot]:
        """One consistent view of the configured database, held open for the block."""

    @abc.abstractmethod
    def configured_database(self) -> str:
        """The database Groundwork serves: the default target of a restore."""

    @abc.abstractmethod
    def target_state(self, database: str) -> str:
        """A TargetState: whether `database` exists on the server, and holds any table."""

    @abc.abstractmethod
    def restore(self, chunks: Iterable[bytes], database: str, *, replace: bool,
                access: dict[str, Any],
                check: Callable[[DatabaseFacts], None] | None = None) -> None:
        """Load a dump into `database` (created when missing), all or nothing, give its
        application role the access in `access`, and pass what it then holds to `check`, which
        raises to reject it. With `replace` (a database that holds tables) the dump goes into a
        new database that takes the target's place only once loaded, granted and checked: any
        failure before that leaves the target as it was."""

    @abc.abstractmethod
    def facts(self, database: str) -> DatabaseFacts:
        """Row counts and audit chain heads of `database` (to check a restore)."""
