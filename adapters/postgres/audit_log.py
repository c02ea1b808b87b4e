"""The audit chain in PostgreSQL: two round trips per append, no lock, both statements compiled
once.

An append reads the chain's head and inserts the next entry with ON CONFLICT (org_id, seq)
DO NOTHING. A concurrent writer that took the same seq first makes the insert wait for its
commit and then do nothing; the append reads the new head and chains after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from functools import partial

from psycopg.types.json import Jsonb
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres.tables import audit_checkpoints, audit_entries
from adapters.postgres.tenant_repositories import TenantScoped
from adapters.postgres.transaction import Compiled, Transaction
from application.ports.repositories import AuditFilter, AuditLog
from application.ports.system import Clock, IdGenerator
from domain.audit import ActorType, AuditEntry, AuditEvent
from domain.audit_retention import AuditCheckpoint
from domain.errors import Conflict

MAX_APPEND_ATTEMPTS = 100
_ENTRY_COLUMNS = (
    "org_id", "id", "seq", "actor_type", "actor_id", "actor_label", "action", "resource_type",
    "resource_id", "details", "ip", "user_agent", "created_at", "prev_hash", "hash",
    "hash_version", "pii_salts", "erased",
)
_CHECKPOINT_COLUMNS = ("org_id", "id", "seq", "hash", "removed", "created_at", "signature")
_HEAD = Compiled(select(audit_entries).where(audit_entries.c.org_id == bindparam("org_id"))
                 .order_by(audit_entries.c.seq.desc()).limit(1))
_APPEND = Compiled(insert(audit_entries)
                   .values({name: bindparam(name) for name in (*_ENTRY_COLUMNS, "updated_at")})
                   .on_conflict_do_nothing(index_elements=["org_id", "seq"])
                   .returning(audit_entries.c.seq))


class PgAuditLog(TenantScoped, AuditLog):
    def __init__(self, tx: Transaction, clock: Clock, ids: IdGenerator,
                 appended: Callable[[str], None] = lambda _action: None) -> None:
        super().__init__(tx)
        self._clock = clock
        self._ids = ids
        self._appended = appended  # told of each entry once its transaction commits

    def append(self, org_id: uuid.UUID, event: AuditEvent) -> AuditEntry:
        for _ in range(MAX_APPEND_ATTEMPTS):
            head = self._fetch(_HEAD, {"org_id": org_id})
            entry = AuditEntry.chained(event, org_id=org_id, id=self._ids.new_id(),
                                       now=self._clock.now(), previous=entry_of(head[0]) if head else None)
            values = {name: getattr(entry, name) for name in _ENTRY_COLUMNS}
            values |= {"actor_type": entry.actor_type.value, "details": Jsonb(entry.details),
                       "pii_salts": Jsonb(entry.pii_salts), "erased": Jsonb(entry.erased),
                       "updated_at": entry.created_at}
            if self._fetch(_APPEND, values):
                self._tx.after_commit(partial(self._appended, entry.action))
                return entry
        raise Conflict("the audit log is too busy; try again", code="audit_contention")

    def page(self, org_id: uuid.UUID, where: AuditFilter, *, after_seq: int,
             limit: int) -> list[AuditEntry]:
        c = audit_entries.c
        conditions = [c.org_id == org_id, c.seq > after_seq]
        for column, value in ((c.action, where.action), (c.actor_id, where.actor_id),
                              (c.resource_type, where.resource_type),
                              (c.resource_id, where.resource_id)):
            if value is not None:
                conditions.append(column == value)
        if where.since is not None:
            conditions.append(c.created_at >= where.since)
        if where.until is not None:
            conditions.append(c.created_at < where.until)
        query = select(audit_entries).where(*conditions).order_by(c.seq).limit(limit)
        return [entry_of(row) for row in self._execute(query)]

    def entries(self, org_id: uuid.UUID) -> Iterator[AuditEntry]:
        query = (select(audit_entries).where(audit_entries.c.org_id == org_id)
                 .order_by(audit_entries.c.seq))
        for row in self._execute(query):
            yield entry_of(row)

    def checkpoints(self, org_id: uuid.UUID) -> list[AuditCheckpoint]:
        query = (select(audit_checkpoints).where(audit_checkpoints.c.org_id == org_id)
                 .order_by(audit_checkpoints.c.seq))
        return [AuditCheckpoint(**{name: getattr(row, name) for name in _CHECKPOINT_COLUMNS})
                for row in self._execute(query)]


def entry_of(row) -> AuditEntry:
    values = {name: getattr(row, name) for name in _ENTRY_COLUMNS}
    values["actor_type"] = ActorType(row.actor_type)
    for name in ("details", "pii_salts", "erased"):
        values[name] = dict(values[name])
    return AuditEntry(**values)
