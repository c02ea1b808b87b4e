"""Audit retention in PostgreSQL: an org's oldest entries deleted on the owner's maintenance
path, and the checkpoint they leave, in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, delete, func, insert, select

from adapters.postgres.maintenance import maintenance
from adapters.postgres.tables import audit_checkpoints, audit_entries
from application.ports.maintenance import AuditPruner
from domain.audit_retention import AuditCheckpoint

_c = audit_entries.c


class PgAuditPruner(AuditPruner):
    def __init__(self, owner_engine: Engine) -> None:
        self._engine = owner_engine

    def prune(self, org_id: uuid.UUID, before: datetime,
              checkpoint: Callable[[int, str, int], AuditCheckpoint]) -> AuditCheckpoint | None:
        newest = select(func.max(_c.seq)).where(_c.org_id == org_id).scalar_subquery()
        with maintenance(self._engine, org_id) as conn:
            # Locked: a second prune waits here, then finds this entry gone and cuts nothing.
            last = conn.execute(
                select(_c.seq, _c.hash).where(_c.org_id == org_id, _c.created_at < before,
                                              _c.seq < newest)
                .order_by(_c.seq.desc()).limit(1).with_for_update()).one_or_none()
            if last is None:
                return None
            removed = conn.execute(delete(audit_entries).where(
                _c.org_id == org_id, _c.seq <= last.seq)).rowcount
            made = checkpoint(last.seq, last.hash, removed)
            conn.execute(insert(audit_checkpoints).values(
                org_id=made.org_id, id=made.id, seq=made.seq, hash=made.hash,
                removed=made.removed, signature=made.signature, created_at=made.created_at,
                updated_at=made.created_at))
            return made
