"""Exports and the tenant dump in PostgreSQL. The dump streams each table on a server-side
cursor (rows are fetched in batches, never all in memory), under the tenant's binding and RLS."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import attrs
from sqlalchemy import exists, insert, select, update

from adapters.plain import plain
from adapters.postgres.tables import (
    api_keys,
    audit_checkpoints,
    audit_entries,
    exports,
    invitations,
    members,
    org,
    users,
)
from adapters.postgres.tenant_repositories import TenantScoped
from application.ports.repositories import CREDENTIAL_COLUMNS, ExportRepository, TenantDump
from domain.audit import AuditEntry
from domain.audit_retention import AuditCheckpoint
from domain.errors import Conflict
from domain.export import Export, ExportStatus

BATCH = 1000
_COLUMNS = ("org_id", "id", "status", "requested_by", "counts", "manifest_key", "error",
            "finished_at", "created_at", "updated_at")


class PgExports(TenantScoped, ExportRepository):
    def add(self, export: Export) -> None:
        self._execute(exports.insert().values(**_values(export)))

    def get(self, org_id: uuid.UUID, export_id: uuid.UUID) -> Export | None:
        row = self._execute(select(exports).where(
            exports.c.org_id == org_id, exports.c.id == export_id)).one_or_none()
        return _export(row) if row else None

    def update(self, export: Export) -> None:
        values = _values(export)
        self._execute(update(exports).where(
            exports.c.org_id == export.org_id, exports.c.id == export.id).values(
            **{k: v for k, v in values.items() if k not in ("org_id", "id", "created_at")}))

    def recent(self, org_id: uuid.UUID, *, limit: int) -> list[Export]:
        rows = self._execute(select(exports).where(exports.c.org_id == org_id).order_by(
            exports.c.created_at.desc(), exports.c.id.desc()).limit(limit))
        return [_export(row) for row in rows]


def _values(export: Export) -> dict:
    return {c: getattr(export, c) for c in _COLUMNS} | {"status": export.status.value}


def _export(row) -> Export:
    return Export(**{c: getattr(row, c) for c in _COLUMNS} | {
        "status": ExportStatus(row.status), "counts": dict(row.counts)})


_TENANT = {"members": members, "invitations": invitations, "api_keys": api_keys,
           "audit_entries": audit_entries, "audit_checkpoints": audit_checkpoints}
_IN_CHAIN_ORDER = ("audit_entries", "audit_checkpoints")


class PgTenantDump(TenantScoped, TenantDump):
    def rows(self, org_id: uuid.UUID, table: str) -> Iterator[dict[str, Any]]:
        if table == "org":
            query = select(*_kept(org)).where(org.c.id == org_id)
        elif table == "users":
            query = select(*_kept(users)).where(users.c.id.in_(
                select(members.c.user_id).where(members.c.org_id == org_id))).order_by(users.c.id)
        else:
            source = _TENANT[table]
            order = (source.c.seq,) if table in _IN_CHAIN_ORDER else (source.c.created_at,
                                                                       source.c.id)
            query = select(*_kept(source)).where(source.c.org_id == org_id).order_by(*order)
        result = self._execute(query.execution_options(yield_per=BATCH))
        for row in result:
            yield {key: plain(value) for key, value in row._mapping.items()}

    def restore_audit(self, org_id: uuid.UUID, entries: Iterable[AuditEntry],
                      checkpoints: Iterable[AuditCheckpoint] = ()) -> int:
        if self._execute(select(exists().where(audit_entries.c.org_id == org_id))).scalar():
            raise Conflict("the organization's audit log is not empty", code="audit_not_empty")
        marks = [_row_of(org_id, mark) for mark in checkpoints]
        if marks:
            self._execute(insert(audit_checkpoints), marks)
        restored, entries = 0, iter(entries)
        while batch := [_audit_row(org_id, e) for e in islice(entries, BATCH)]:
            self._execute(insert(audit_entries), batch)
            restored += len(batch)
        return restored


def _row_of(org_id: uuid.UUID, mark: AuditCheckpoint) -> dict[str, Any]:
    if mark.org_id != org_id:
        raise Conflict("a checkpoint of another organization", code="foreign_audit_entry")
    return attrs.asdict(mark, recurse=False) | {"updated_at": mark.created_at}


def _audit_row(org_id: uuid.UUID, entry: AuditEntry) -> dict[str, Any]:
    if entry.org_id != org_id:
        raise Conflict("an audit entry of another organization", code="foreign_audit_entry")
    row = {name: plain(value) if name == "actor_type" else value
           for name, value in attrs.asdict(entry, recurse=False).items()}
    return row | {"updated_at": entry.created_at}


def _kept(table) -> list:
    return [c for c in table.c if c.name not in CREDENTIAL_COLUMNS]
