"""Exports and the tenant dump in memory (see adapters/memory/store.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from adapters.memory.tenant_repositories import TenantScoped
from adapters.plain import plain
from application.errors import TenantContextMissing
from application.ports.repositories import CREDENTIAL_COLUMNS, ExportRepository, TenantDump
from domain.audit import AuditEntry
from domain.audit_retention import AuditCheckpoint
from domain.errors import Conflict
from domain.export import Export


class MemoryExports(TenantScoped, ExportRepository):
    def add(self, export: Export) -> None:
        if not self._visible(export.org_id):
            raise TenantContextMissing("an export may only be added to the bound organization")
        self._t.exports[(export.org_id, export.id)] = export

    def get(self, org_id: uuid.UUID, export_id: uuid.UUID) -> Export | None:
        return self._t.exports.get((org_id, export_id)) if self._visible(org_id) else None

    def update(self, export: Export) -> None:
        if self._visible(export.org_id) and (export.org_id, export.id) in self._t.exports:
            self._t.exports[(export.org_id, export.id)] = export

    def recent(self, org_id: uuid.UUID, *, limit: int) -> list[Export]:
        if not self._visible(org_id):
            return []
        found = [e for (o, _), e in self._t.exports.items() if o == org_id]
        return sorted(found, key=lambda e: (e.created_at, e.id), reverse=True)[:limit]


class MemoryTenantDump(TenantScoped, TenantDump):
    def rows(self, org_id: uuid.UUID, table: str) -> Iterator[dict[str, Any]]:
        if not self._visible(org_id):
            raise TenantContextMissing("a dump is of the bound organization")
        if table == "org":
            found = [self._t.orgs.peek(org_id)]
        elif table == "users":
            ids = {m.user_id for (o, _), m in self._t.members.items() if o == org_id}
            found = sorted((self._t.users.peek(i) for i in ids), key=lambda u: u.id)
        elif table == "audit_entries":
            found = list(self._t.audit.peek(org_id, []))
        elif table == "audit_checkpoints":
            found = list(self._t.audit_checkpoints.peek(org_id, []))
        else:
            found = sorted((row for (o, _), row in getattr(self._t, table).items() if o == org_id),
                           key=lambda row: (row.created_at, row.id))
        for row in found:
            yield {k: plain(v) for k, v in attrs.asdict(row, recurse=False).items()
                   if k not in CREDENTIAL_COLUMNS}

    def restore_audit(self, org_id: uuid.UUID, entries: Iterable[AuditEntry],
                      checkpoints: Iterable[AuditCheckpoint] = ()) -> int:
        if not self._visible(org_id):
            raise TenantContextMissing("entries may only be restored to the bound organization")
        if self._t.audit.peek(org_id):
            raise Conflict("the organization's audit log is not empty", code="audit_not_empty")
        chain, marks = list(entries), sorted(checkpoints, key=lambda mark: mark.seq)
        if any(row.org_id != org_id for row in (*chain, *marks)):
            raise Conflict("an audit entry of another organization", code="foreign_audit_entry")
        self._t.audit[org_id] = chain
        if marks:
            self._t.audit_checkpoints[org_id] = marks
        return len(chain)
