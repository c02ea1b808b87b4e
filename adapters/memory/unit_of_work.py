from __future__ import annotations

import uuid

from adapters.memory.read_models import MemoryMemberDirectory, MemoryPrincipals
from adapters.memory.repositories import (
    MemoryApiKeys,
    MemoryAuditLog,
    MemoryInvitations,
    MemoryMembers,
    MemoryOrganizations,
    MemoryPasswordTokens,
    MemorySessions,
    MemoryTenantData,
    MemoryUsers,
)
from adapters.memory.store import MemoryStore
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork


class MemoryUnitOfWork(UnitOfWork):
    """Works on a private copy of the store; commit publishes it, anything else discards it."""

    def __init__(self, store: MemoryStore, clock: Clock, ids: IdGenerator) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids
        self._org_id: uuid.UUID | None = None
        self._user_id: uuid.UUID | None = None
        self._open = False

    def __enter__(self) -> MemoryUnitOfWork:
        self._store.lock.acquire()
        self._open = True
        self._org_id = None
        self._user_id = None
        tables = self._store.snapshot()
        self._tables = tables
        self.orgs = MemoryOrganizations(tables)
        self.users = MemoryUsers(tables)
        self.members = MemoryMembers(tables, self._bound, self._bound_user)
        self.sessions = MemorySessions(tables, self._bound, self._bound_user)
        self.password_tokens = MemoryPasswordTokens(tables)
        self.api_keys = MemoryApiKeys(tables, self._bound, self._bound_user)
        self.invitations = MemoryInvitations(tables, self._bound, self._bound_user)
        self.audit = MemoryAuditLog(tables, self._bound, self._bound_user, self._clock, self._ids)
        self.tenant_data = MemoryTenantData(tables, self._bound, self._bound_user)
        self.principals = MemoryPrincipals(tables, self._bound, self._bound_user)
        self.directory = MemoryMemberDirectory(tables, self._bound, self._bound_user)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()

    def _bound(self) -> uuid.UUID | None:
        return self._org_id

    def _bound_user(self) -> uuid.UUID | None:
        return self._user_id

    def bind(self, org_id: uuid.UUID) -> None:
        self._org_id = uuid.UUID(str(org_id))

    def bind_user(self, user_id: uuid.UUID) -> None:
        self._user_id = uuid.UUID(str(user_id))

    def commit(self) -> None:
        if self._open:
            self._store.committed = self._tables
            self._close()

    def rollback(self) -> None:
        if self._open:
            self._close()

    def _close(self) -> None:
        self._open = False
        self._store.lock.release()
