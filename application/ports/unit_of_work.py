from __future__ import annotations

import abc
import uuid
from collections.abc import Callable

from application.ports.jobs import Jobs
from application.ports.principals import Principals
from application.ports.read_models import MemberDirectory
from application.ports.repositories import (
    ApiKeyRepository,
    AuditLog,
    EmailTokenRepository,
    ExportRepository,
    InvitationRepository,
    MemberRepository,
    OrganizationRepository,
    PasswordTokenRepository,
    QuotaRepository,
    SessionRepository,
    TenantData,
    TenantDump,
    TwoFactorRepository,
    UserRepository,
)
from application.ports.sign_in_failures import SignInFailureLog
from application.ports.support import SupportGrantRepository


class UnitOfWork(abc.ABC):
    """One transaction. Nothing is kept unless `commit()` runs; leaving the block rolls back.

    Tenant repositories refuse to work until `bind(org_id)` names the organization
    (or, for reading one's own memberships at sign-in, `bind_user(user_id)`). A request's
    use case gets there through `application.principals.enter`, never by binding itself.
    """

    orgs: OrganizationRepository
    users: UserRepository
    members: MemberRepository
    sessions: SessionRepository
    password_tokens: PasswordTokenRepository
    email_tokens: EmailTokenRepository
    two_factor: TwoFactorRepository
    quotas: QuotaRepository
    exports: ExportRepository
    tenant_dump: TenantDump
    sign_in_failures: SignInFailureLog
    api_keys: ApiKeyRepository
    invitations: InvitationRepository
    audit: AuditLog
    tenant_data: TenantData
    principals: Principals
    directory: MemberDirectory
    jobs: Jobs
    support_grants: SupportGrantRepository

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()

    @abc.abstractmethod
    def bind(self, org_id: uuid.UUID) -> None: ...

    @abc.abstractmethod
    def bind_user(self, user_id: uuid.UUID) -> None:
        """A user scope: the user's own memberships become readable, and no tenant's rows."""

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once this unit of work has committed; never if it rolls back."""

    @abc.abstractmethod
    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
