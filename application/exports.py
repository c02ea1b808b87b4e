"""Tenant exports (GDPR, and the way back after a deletion): every row of one org, a JSON Lines
file per table and a manifest, written to the object store by a background job.

The job carries ids only and reads under the org's own binding and row-level security, as a
request does. Rows stream from the database to the object store: an org of any size costs the
same memory. Credentials (password, key and link hashes) are never exported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from attrs import define

from application.jobs import EXPORT
from application.permissions import Permission
from application.ports.object_store import ObjectStore, ObjectStoreUnavailable, org_prefix
from application.ports.repositories import EXPORTED_TABLES
from application.ports.security import DigestSigner
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import Caller, enter
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Conflict, NotFound
from domain.export import Export, ExportStatus
from domain.quota import Limit

DOWNLOAD_TTL = timedelta(minutes=15)
KEPT = 5  # an org's newest exports that keep their files
STALE_AFTER = timedelta(hours=1)
MANIFEST = "manifest.json"
FORMAT = "groundwork-export/1"


def manifest_message(manifest: dict) -> bytes:
    """What a manifest's signature covers: all of it but the signature (and through each
    file's SHA-256, every file). Signed with the server's key: an import can tell an export
    this server made from one edited by hand or made elsewhere."""
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode()
log = logging.getLogger(__name__)


class ExportNotWritten(RuntimeError):
    """An export's job that failed (the export says why): raised for the worker, which tries
    the job again with backoff."""


@define(frozen=True)
class ExportView:
    id: uuid.UUID
    status: str
    created_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    error: str | None
    manifest_url: str | None  # while done: an expiring link to the manifest
    files: dict[str, str]  # while done: table -> an expiring link to its JSON Lines

    @classmethod
    def of(cls, export: Export, store: ObjectStore) -> ExportView:
        done = export.status is ExportStatus.DONE
        return cls(
            id=export.id, status=export.status.value, created_at=export.created_at,
            finished_at=export.finished_at, counts=dict(export.counts), error=export.error,
            manifest_url=store.download_url(export.manifest_key, DOWNLOAD_TTL) if done else None,
            files={table: store.download_url(f"{export.prefix}{table}.jsonl", DOWNLOAD_TTL)
                   for table in EXPORTED_TABLES} if done else {})


class _Counted:
    """JSON Lines of rows, counted and digested as they stream past."""

    def __init__(self, rows: Iterator[dict]) -> None:
        self._rows = rows
        self.count = 0
        self.last: dict | None = None

    def __iter__(self) -> Iterator[bytes]:
        for row in self._rows:
            self.count += 1
            self.last = row
            yield json.dumps(row, sort_keys=True, ensure_ascii=False).encode() + b"\n"


class ExportService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 store: ObjectStore, schema_revision: str | None,
                 manifest_signer: DigestSigner) -> None:
        self._manifest_signer = manifest_signer
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._store = store
        self._schema_revision = schema_revision

    def request(self, slug: str, actor: Caller) -> ExportView:
        """Queue an export of the org (owners and admins, or a key with audit:read); audited.
        The job runs after the answer."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, actor, Permission.READ_AUDIT, slug=slug, now=now)
            self._one_at_a_time(uow, principal.org.id, now)
            export = Export(org_id=principal.org.id, id=self._ids.new_id(), created_at=now,
                            updated_at=now, requested_by=principal.on_behalf_of)
            uow.exports.add(export)
            uow.audit.append(principal.org.id, AuditEvent(
                actor=principal.actor, action="export.requested", resource_type="export",
                resource_id=str(export.id)))
            # Queued with the export's row: both are kept, or neither.
            uow.jobs.defer(EXPORT, org_id=str(export.org_id), export_id=str(export.id))
            uow.commit()
        return ExportView.of(export, self._store)

    def _one_at_a_time(self, uow: UnitOfWork, org_id: uuid.UUID, now: datetime) -> None:
        """One export under way per org, and none while the org is at its storage limit (held:
        parallel requests queue one). One under way for longer than STALE_AFTER was cut short
        (a restart): it is marked failed, and a new one may start."""
        uow.quotas.hold(org_id)
        latest = uow.exports.recent(org_id, limit=1)
        if latest and latest[0].status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
            if now - latest[0].updated_at < STALE_AFTER:
                raise Conflict("an export of this organization is under way: follow it, or "
                               "ask again once it is done", code="export_in_progress",
                               export_id=str(latest[0].id))
            latest[0].fail("the export was interrupted; ask again", now)
            uow.exports.update(latest[0])
        try:
            used = sum(o.size for o in self._store.list(org_prefix(org_id)))
        except ObjectStoreUnavailable:
            # Queued all the same: its job writes nothing until the store is back (it is tried
            # again meanwhile), and one export at a time keeps this to one unchecked export.
            log.warning("export queued with the object store out of reach",
                        extra={"org_id": str(org_id)})
            return
        uow.quotas.limits(org_id).check(Limit.STORAGE_BYTES, used)

    def get(self, slug: str, actor: Caller, export_id: uuid.UUID) -> ExportView:
        with self._uow_factory() as uow:
            principal = enter(uow, actor, Permission.READ_AUDIT, slug=slug, now=self._clock.now())
            export = uow.exports.get(principal.org.id, export_id)
            uow.commit()  # an API key's last use, if enter() noted one
        if export is None:
            raise NotFound("no such export", code="export_not_found")
        return ExportView.of(export, self._store)

    def recent(self, slug: str, actor: Caller, *, limit: int = 50) -> list[ExportView]:
        with self._uow_factory() as uow:
            principal = enter(uow, actor, Permission.READ_AUDIT, slug=slug, now=self._clock.now())
            found = uow.exports.recent(principal.org.id, limit=limit)
            uow.commit()
        return [ExportView.of(e, self._store) for e in found]

    def create_now(self, slug: str, actor: Actor,
                   progress: Callable[[str, int], None] | None = None) -> ExportView:
        """An operator's export, run here and now (the CLI), with `progress(table, rows)`."""
        with self._uow_factory() as uow:
            org_id = enter(uow, actor, None, slug=slug, now=self._clock.now()).org.id
        return self.create_for(org_id, actor, progress)

    def create_for(self, org_id: uuid.UUID, actor: Actor,
                   progress: Callable[[str, int], None] | None = None) -> ExportView:
        """`create_now` for an org by id, whatever its status: a deleted org's last export,
        taken before it is purged (operators only: the caller resolved the org)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            uow.bind(org_id)
            export = Export(org_id=org_id, id=self._ids.new_id(), created_at=now, updated_at=now)
            uow.exports.add(export)
            uow.audit.append(org_id, AuditEvent(
                actor=actor, action="export.requested", resource_type="export",
                resource_id=str(export.id)))
            uow.commit()
        self.run(export.org_id, export.id, progress)
        with self._uow_factory() as uow:
            uow.bind(export.org_id)
            return ExportView.of(uow.exports.get(export.org_id, export.id), self._store)

    def run_job(self, org_id: uuid.UUID, export_id: uuid.UUID) -> None:
        """The queued job: `run`, then ExportNotWritten when the export failed, so that the
        worker tries it again (an object store that was down is back, say)."""
        export = self.run(org_id, export_id)
        if export is not None and export.status is ExportStatus.FAILED:
            raise ExportNotWritten(export.error)

    def run(self, org_id: uuid.UUID, export_id: uuid.UUID,
            progress: Callable[[str, int], None] | None = None) -> Export | None:
        """Every exported table to the object store, then the manifest, then done (or failed,
        with the reason); the export as it ended, or None when it was not this run's to do."""
        export = self._begin(org_id, export_id)
        if export is None:
            return None
        try:
            files, head = {}, None
            with self._uow_factory() as uow:
                uow.bind(org_id)
                for table in EXPORTED_TABLES:
                    lines = _Counted(uow.tenant_dump.rows(org_id, table))
                    stored = self._store.put(f"{export.prefix}{table}.jsonl", lines)
                    files[table] = {"key": stored.key, "rows": lines.count,
                                    "sha256": stored.sha256, "bytes": stored.size}
                    if table == "audit_entries" and lines.last is not None:
                        head = {"seq": lines.last["seq"], "hash": lines.last["hash"]}
                    if progress:
                        progress(table, lines.count)
            manifest = {"format": FORMAT, "org_id": str(org_id), "export_id": str(export_id),
                        "created_at": self._clock.now().isoformat(),
                        "schema_revision": self._schema_revision, "audit_head": head,
                        "files": files}
            manifest["signature"] = self._manifest_signer.sign(manifest_message(manifest))
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            self._store.put(f"{export.prefix}{MANIFEST}", [body],
                            sha256=hashlib.sha256(body).hexdigest())
        except Exception as error:  # the job's failure is the export's state, never lost
            log.warning("export failed", extra={"org_id": str(org_id),
                                                "export_id": str(export_id),
                                                "error": type(error).__name__})
            reason = (f"the export could not be written ({type(error).__name__}); it is "
                      "tried again for a while, or ask again")
            return self._transition(org_id, export_id,
                                    lambda e: e.fail(reason, self._clock.now()))
        counts = {table: f["rows"] for table, f in files.items()}
        done = self._transition(org_id, export_id, lambda e: e.finish(
            counts, f"{export.prefix}{MANIFEST}", self._clock.now()), audit=True)
        self._expire_older(org_id)
        return done

    def _begin(self, org_id: uuid.UUID, export_id: uuid.UUID) -> Export | None:
        """The export, started: a queued one, one left running (its worker died), or one whose
        last try failed (its job tried again) while no newer export of the org took its place.
        None for any other: done, expired, superseded, gone."""
        with self._uow_factory() as uow:
            uow.bind(org_id)
            uow.quotas.hold(org_id)  # as a request holds it: a retry and a new export never both
            export = uow.exports.get(org_id, export_id)
            if export is None or export.status not in (
                    ExportStatus.QUEUED, ExportStatus.RUNNING, ExportStatus.FAILED):
                return None
            if export.status is ExportStatus.FAILED and (
                    uow.exports.recent(org_id, limit=1)[0].id != export.id):
                return None
            export.start(self._clock.now())
            uow.exports.update(export)
            uow.commit()
        return export

    def _expire_older(self, org_id: uuid.UUID) -> None:
        """The org's done exports past the newest KEPT: marked expired first, then their files
        deleted (a failure between leaves files behind, never a link to nothing)."""
        with self._uow_factory() as uow:
            uow.bind(org_id)
            done = [e for e in uow.exports.recent(org_id, limit=KEPT + 100)
                    if e.status is ExportStatus.DONE]
            older = done[KEPT:]
            for export in older:
                export.expire(self._clock.now())
                uow.exports.update(export)
            uow.commit()
        for export in older:
            self._store.delete_prefix(export.prefix)

    def _transition(self, org_id: uuid.UUID, export_id: uuid.UUID,
                    change: Callable[[Export], None], *, audit: bool = False) -> Export | None:
        with self._uow_factory() as uow:
            uow.bind(org_id)
            export = uow.exports.get(org_id, export_id)
            if export is None:
                return None
            change(export)
            uow.exports.update(export)
            if audit:
                uow.audit.append(org_id, AuditEvent(
                    actor=Actor(type=ActorType.SYSTEM, label="export job"),
                    action="export.completed", resource_type="export",
                    resource_id=str(export_id), details={"counts": export.counts}))
            uow.commit()
        return export
