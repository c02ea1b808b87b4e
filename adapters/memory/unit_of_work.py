from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial

from adapters.memory.audit_log import MemoryAuditLog
from adapters.memory.exports import MemoryExports, MemoryTenantDump
from adapters.memory.global_repositories import (
    MemoryEmailTokens,
    MemoryOrganizations,
    MemoryPasswordTokens,
    MemorySignInFailureLog,
    MemoryUsers,
)
from adapters.memory.quotas import MemoryQuotas
from adapters.memory.read_models import MemoryMemberDirectory, MemoryPrincipals
from adapters.memory.sign_in_repositories import MemoryApiKeys, MemoryInvitations, MemorySessions
from adapters.memory.store import MemoryStore
from adapters.memory.support import MemorySupportGrants
from adapters.memory.tenant_repositories import MemoryMembers, MemoryTenantData
from adapters.memory.two_factor import MemoryTwoFactor
from application.ports.jobs import Jobs
from application.ports.system import Clock, IdGenerator
from application.ports.telemetry import UNREPORTED, Telemetry
from application.ports.unit_of_work import UnitOfWork


class MemoryUnitOfWork(UnitOfWork):
    """Works on a draft of the store (see adapters/memory/store.py): commit publishes it,
    anything else drops it. Nothing committed is copied up front or changed in place."""

    def __init__(self, store: MemoryStore, clock: Clock, ids: IdGenerator,
                 jobs_in: Callable[[MemoryUnitOfWork], Jobs],
                 telemetry: Telemetry = UNREPORTED) -> None:
        self._store = store
        self._telemetry = telemetry
        self._jobs_in = jobs_in
        self._after_commit: list[Callable[[], None]] = []
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
        tables = self._draft = self._store.draft()
        self.orgs = MemoryOrganizations(tables)
        self.users = MemoryUsers(tables)
        self.members = MemoryMembers(tables, self._bound, self._bound_user)
        self.sessions = MemorySessions(tables, self._bound, self._bound_user)
        self.password_tokens = MemoryPasswordTokens(tables)
        self.email_tokens = MemoryEmailTokens(tables)
        self.two_factor = MemoryTwoFactor(tables)
        self.quotas = MemoryQuotas(tables, self._bound)
        self.exports = MemoryExports(tables, self._bound, self._bound_user)
        self.tenant_dump = MemoryTenantDump(tables, self._bound, self._bound_user)
        self.sign_in_failures = MemorySignInFailureLog(tables)
        self.api_keys = MemoryApiKeys(tables, self._bound, self._bound_user)
        self.invitations = MemoryInvitations(tables, self._bound, self._bound_user)
        self.audit = MemoryAuditLog(tables, self._bound, self._bound_user, self._clock, self._ids,
                                    appended=self._audit_appended)
        self.tenant_data = MemoryTenantData(tables, self._bound, self._bound_user)
        self.principals = MemoryPrincipals(tables, self._bound, self._bound_user)
        self.directory = MemoryMemberDirectory(tables, self._bound, self._bound_user)
        self.jobs = self._jobs_in(self)
        self.support_grants = MemorySupportGrants(tables, self._bound, self._bound_user)
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

    def _audit_appended(self, action: str) -> None:
        self.after_commit(partial(self._telemetry.audit_appended, action))

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once this unit of work has committed (and let go of the store)."""
        self._after_commit.append(action)

    def commit(self) -> None:
        if self._open:
            self._store.publish(self._draft)
            self._close()
            actions, self._after_commit = self._after_commit, []
            for action in actions:
                action()

    def rollback(self) -> None:
        self._after_commit.clear()
        if self._open:
            self._close()

    def _close(self) -> None:
        self._open = False
        self._draft.close()
        self._store.lock.release()
