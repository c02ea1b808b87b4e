from __future__ import annotations

import abc
import uuid
from collections.abc import Callable

from application.ports.repositories import (
    AuditLog,
    MemberRepository,
    OrganizationRepository,
    TenantData,
    UserRepository,
)


class UnitOfWork(abc.ABC):
    """One transaction. Nothing is kept unless `commit()` runs; leaving the block rolls back.

    Tenant repositories refuse to work until `bind(org_id)` names the organization.
    """

    orgs: OrganizationRepository
    users: UserRepository
    members: MemberRepository
    audit: AuditLog
    tenant_data: TenantData

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()

    @abc.abstractmethod
    def bind(self, org_id: uuid.UUID) -> None: ...

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
