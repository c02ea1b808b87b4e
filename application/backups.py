"""Backups of the whole database to the object store, and the way back (the operator's CLI).

A backup is `platform/backups/<id>/database.dump` (pg_dump's custom format, streamed: never
in memory) and, once that is stored, `manifest.json` beside it: its size and SHA-256, the schema
revision, every table's row count and each org's audit chain head, all read in the dump's own
snapshot. A restore checks the dump against its manifest before it touches any database, and
checks the restored database against the manifest before it takes the place of one it replaces.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta

from attrs import define

from application.backup_manifest import Digest, differences_between, facts_of, manifest_of
from application.ports.database_dump import DatabaseDump, DatabaseFacts, TargetState
from application.ports.object_store import ObjectNotFound, ObjectStore, StoredObject
from application.ports.system import Clock, IdGenerator
from domain.backup import (
    BackupCorrupted,
    BackupFailed,
    BackupNotFound,
    Retention,
    TargetNotEmpty,
    checked_backup_id,
    new_backup_id,
)
from domain.errors import InvalidInput

PREFIX = "platform/backups/"
DUMP = "database.dump"
MANIFEST = "manifest.json"
_DATABASE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,58}$")  # and `<name>_app` fits in 63
_SYSTEM_DATABASES = ("postgres", "template0", "template1")
log = logging.getLogger(__name__)


@define(frozen=True)
class BackupSummary:
    id: str
    created_at: datetime
    size: int
    age: timedelta
    complete: bool  # False: a dump whose manifest was never written (pruned, never restored)


@define(frozen=True)
class RestoreReport:
    id: str
    database: str
    replaced: bool
    tables: int
    rows: int
    chains: int


class BackupService:
    def __init__(self, store: ObjectStore, dump: DatabaseDump, clock: Clock, ids: IdGenerator,
                 retention: Retention) -> None:
        self._store = store
        self._dump = dump
        self._clock = clock
        self._ids = ids
        self._retention = retention

    def create(self) -> dict:
        """Dump the database and store it with its manifest; the manifest."""
        created_at = self._clock.now()
        backup_id = new_backup_id(created_at, self._ids.new_id())
        with self._dump.snapshot() as snapshot:
            described = snapshot.describe()
            stored = self._store.put(_key(backup_id, DUMP), snapshot.stream())
        manifest = manifest_of(backup_id, created_at, stored, described)
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        self._store.put(_key(backup_id, MANIFEST), [body], sha256=hashlib.sha256(body).hexdigest())
        log.info("backup %s created: %d bytes, %d orgs", backup_id, stored.size,
                 len(described.facts.chain_heads))
        return manifest

    def scheduled(self) -> dict:
        """The daily backup: a new one, then those past the retention period pruned."""
        manifest = self.create()
        self.prune()
        return manifest

    def list(self) -> list[BackupSummary]:
        """Complete backups, newest first."""
        return [b for b in self._summaries() if b.complete]

    def manifest(self, backup_id: str) -> dict:
        try:
            body = b"".join(self._store.get(_key(checked_backup_id(backup_id), MANIFEST)))
        except ObjectNotFound:
            raise BackupNotFound(f"no backup {backup_id!r}") from None
        return json.loads(body)

    def restore(self, backup_id: str, *, database: str | None = None,
                force: bool = False) -> RestoreReport:
        """Into `database` (default: the one Groundwork serves), which must be empty or missing
        unless `force`; refused before anything is touched when the dump is not intact."""
        manifest = self.manifest(backup_id)
        configured = self._dump.configured_database()
        target = _checked_database(database or configured)
        state = self._dump.target_state(target)
        if state == TargetState.NOT_EMPTY and not force:
            served = " (the one Groundwork serves)" if target == configured else ""
            raise TargetNotEmpty(f"database {target!r}{served} is not empty: restore into an empty "
                                 "one with --database NAME, or add --force to replace it")
        key = _key(backup_id, DUMP)
        self._check_intact(key, manifest)
        dump = Digest(self._store.get(key))
        expected = facts_of(manifest)
        replace = state == TargetState.NOT_EMPTY

        def check(restored: DatabaseFacts) -> None:  # before a replaced target is given up
            differences = differences_between(expected, restored)
            if differences:
                raise BackupFailed(f"the restore of {backup_id} into database {target!r} differs "
                                   f"from its manifest: {'; '.join(differences)}")

        self._dump.restore(_until_intact(dump, manifest["sha256"], backup_id), target,
                           replace=replace, access=manifest["access"], check=check)
        log.info("backup %s restored into %s", backup_id, target)
        return RestoreReport(id=backup_id, database=target, replaced=replace,
                             tables=len(expected.row_counts),
                             rows=sum(expected.row_counts.values()),
                             chains=len(expected.chain_heads))

    def expired(self) -> list[BackupSummary]:
        """Backups (and leftovers of failed ones) as old as BACKUP_RETENTION_DAYS or older."""
        now = self._clock.now()
        return [b for b in self._summaries() if self._retention.expired(b.created_at, now)]

    def prune(self, ids: Collection[str] | None = None) -> list[BackupSummary]:
        """Delete the expired backups (of `ids` only, when given: those the operator saw); those
        deleted."""
        pruned = [b for b in self.expired() if ids is None or b.id in ids]
        for backup in pruned:
            self._store.delete_prefix(f"{PREFIX}{backup.id}/")
        if pruned:
            log.info("pruned %d backups", len(pruned))
        return pruned

    def _check_intact(self, key: str, manifest: dict) -> None:
        try:
            digest = Digest(self._store.get(key))
            for _ in digest:
                pass
        except ObjectNotFound:
            raise BackupCorrupted(f"backup {manifest['id']} has no dump: it cannot be restored") from None
        if digest.sha256.hexdigest() != manifest["sha256"]:
            raise BackupCorrupted(f"backup {manifest['id']} is corrupted (its dump does not match "
                                  "the manifest's sha256); nothing was restored")

    def _summaries(self) -> list[BackupSummary]:
        now = self._clock.now()
        by_id: dict[str, list[StoredObject]] = {}
        for stored in self._store.list(PREFIX):
            by_id.setdefault(stored.key[len(PREFIX):].split("/", 1)[0], []).append(stored)
        found = []
        for backup_id, objects in by_id.items():
            names = {o.key.rsplit("/", 1)[1]: o for o in objects}
            complete = MANIFEST in names and DUMP in names
            created_at = (datetime.fromisoformat(self.manifest(backup_id)["created_at"])
                          if complete else min(o.stored_at for o in objects))
            size = names[DUMP].size if DUMP in names else 0
            found.append(BackupSummary(id=backup_id, created_at=created_at, size=size,
                                       age=now - created_at, complete=complete))
        return sorted(found, key=lambda b: b.created_at, reverse=True)


def _key(backup_id: str, name: str) -> str:
    return f"{PREFIX}{backup_id}/{name}"


def _checked_database(name: str) -> str:
    if not _DATABASE.match(name) or name in _SYSTEM_DATABASES:
        raise InvalidInput(f"invalid database name {name!r}: letters, digits and _, at most 59, "
                           "and not one of the server's own", code="invalid_database_name")
    return name


def _until_intact(dump: Digest, sha256: str, backup_id: str) -> Iterator[bytes]:
    """The dump's chunks; BackupCorrupted in place of the end when they changed since the check,
    so that the restore fails (all or nothing) rather than finishes."""
    yield from dump
    if dump.sha256.hexdigest() != sha256:
        raise BackupCorrupted(f"backup {backup_id} changed while it was restored; nothing was restored")
