"""Audit retention in memory, as adapters/postgres/retention.py does it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.maintenance import AuditPruner
from domain.audit_retention import AuditCheckpoint


class MemoryAuditPruner(AuditPruner):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def prune(self, org_id: uuid.UUID, before: datetime,
              checkpoint: Callable[[int, str, int], AuditCheckpoint]) -> AuditCheckpoint | None:
        with self._store.lock:
            draft = self._store.draft()
            chain = list(draft.audit.peek(org_id, ()))
            due = [entry for entry in chain[:-1] if entry.created_at < before]
            if not due:
                draft.close()
                return None
            last = max(due, key=lambda entry: entry.seq)
            kept = [entry for entry in chain if entry.seq > last.seq]
            made = checkpoint(last.seq, last.hash, len(chain) - len(kept))
            draft.audit[org_id] = kept
            draft.audit_checkpoints[org_id] = [*draft.audit_checkpoints.peek(org_id, ()), made]
            self._store.publish(draft)
            draft.close()
        return made
