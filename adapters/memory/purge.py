"""An org's rows deleted from the in-memory tables, in one transaction."""

from __future__ import annotations

import uuid

from adapters.memory.store import MemoryStore
from application.ports.maintenance import OrgPurger

_KEYED_BY_ORG = ("sessions", "exports", "api_keys", "invitations", "support_grants",
                 "members")


class MemoryOrgPurger(OrgPurger):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def purge(self, org_id: uuid.UUID) -> dict[str, int]:
        with self._store.lock:
            draft = self._store.draft()
            counts = {name: _drop(getattr(draft, name), lambda key: key[0] == org_id)
                      for name in _KEYED_BY_ORG}
            counts["api_key_prefixes"] = _drop(draft.api_key_prefixes,
                                               lambda key: draft.api_key_prefixes[key] == org_id)
            counts["audit_entries"] = len(draft.audit.pop(org_id, None) or [])
            counts["audit_checkpoints"] = len(draft.audit_checkpoints.pop(org_id, None) or [])
            draft.quota_overrides.pop(org_id, None)
            counts["org"] = 1 if draft.orgs.pop(org_id, None) is not None else 0
            self._store.publish(draft)
            draft.close()
        return counts


def _drop(table, doomed) -> int:
    keys = [key for key in table if doomed(key)]
    for key in keys:
        table.pop(key)
    return len(keys)
