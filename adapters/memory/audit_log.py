"""The audit chain in memory: one list of frozen entries per organization."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

from adapters.memory.store import Draft
from adapters.memory.tenant_repositories import BoundOrg, BoundUser, TenantScoped
from application.errors import TenantContextMissing
from application.ports.repositories import AuditFilter, AuditLog
from application.ports.system import Clock, IdGenerator
from domain.audit import AuditEntry, AuditEvent
from domain.audit_retention import AuditCheckpoint


class MemoryAuditLog(TenantScoped, AuditLog):
    def __init__(self, tables: Draft, bound_org: BoundOrg, bound_user: BoundUser, clock: Clock,
                 ids: IdGenerator, appended: Callable[[str], None] = lambda _action: None) -> None:
        super().__init__(tables, bound_org, bound_user)
        self._clock = clock
        self._ids = ids
        self._appended = appended  # told of each entry once its unit of work commits

    def append(self, org_id: uuid.UUID, event: AuditEvent) -> AuditEntry:
        if not self._visible(org_id):
            raise TenantContextMissing("audit entries may only be written to the bound organization")
        chain = self._t.audit.get(org_id)  # this transaction's copy of the one chain it extends
        if chain is None:
            chain = []
        entry = AuditEntry.chained(event, org_id=org_id, id=self._ids.new_id(),
                                   now=self._clock.now(), previous=chain[-1] if chain else None)
        chain.append(entry)
        self._t.audit[org_id] = chain
        self._appended(entry.action)
        return entry

    def entries(self, org_id: uuid.UUID) -> Iterator[AuditEntry]:
        # Entries are frozen: the list is copied, they are not.
        return iter(list(self._t.audit.peek(org_id, ())) if self._visible(org_id) else [])

    def page(self, org_id: uuid.UUID, where: AuditFilter, *, after_seq: int,
             limit: int) -> list[AuditEntry]:
        found = [e for e in self.entries(org_id) if e.seq > after_seq and where.matches(e)]
        return found[:limit]

    def checkpoints(self, org_id: uuid.UUID) -> list[AuditCheckpoint]:
        return list(self._t.audit_checkpoints.peek(org_id, ())) if self._visible(org_id) else []
