from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import Engine

from adapters.postgres.audit_log import PgAuditLog
from adapters.postgres.exports import PgExports, PgTenantDump
from adapters.postgres.global_repositories import (
    PgEmailTokens,
    PgOrganizations,
    PgPasswordTokens,
    PgUsers,
)
from adapters.postgres.jobs import PgJobs
from adapters.postgres.quotas import PgQuotas
from adapters.postgres.read_models import PgMemberDirectory, PgPrincipals
from adapters.postgres.sign_in_failures import PgSignInFailureLog
from adapters.postgres.sign_in_repositories import (
    KeyLocations,
    PgApiKeys,
    PgInvitations,
    PgSessions,
)
from adapters.postgres.support import PgSupportGrants
from adapters.postgres.tenant_repositories import PgMembers, PgTenantData
from adapters.postgres.transaction import Transaction
from adapters.postgres.two_factor import PgTwoFactor
from application.ports.jobs import Jobs
from application.ports.system import Clock, IdGenerator
from application.ports.telemetry import UNREPORTED, Telemetry
from application.ports.unit_of_work import UnitOfWork


class PostgresUnitOfWork(UnitOfWork):
    """One connection, one transaction; the tenant is set with SET LOCAL for that transaction.

    SET LOCAL rather than set_config(): a distributed PostgreSQL (Citus with
    citus.propagate_set_commands = 'local') forwards SET LOCAL to its shards.
    """

    def __init__(self, engine: Engine, clock: Clock, ids: IdGenerator,
                 key_locations: KeyLocations,
                 jobs_in: Callable[[Transaction], Jobs] = PgJobs,
                 telemetry: Telemetry = UNREPORTED) -> None:
        self._engine = engine
        self._telemetry = telemetry
        self._jobs_in = jobs_in
        self._key_locations = key_locations
        self._clock = clock
        self._ids = ids
        self._tx: Transaction | None = None

    def __enter__(self) -> PostgresUnitOfWork:
        self._tx = Transaction(self._engine, waited=self._telemetry.connection_waited)
        for name in _REPOSITORIES:
            self.__dict__.pop(name, None)
        return self

    def __getattr__(self, name: str):
        """A repository is made on its first use in the unit of work: most use few."""
        make = _REPOSITORIES.get(name)
        if make is None or self._tx is None:
            raise AttributeError(name)
        value = self.__dict__[name] = make(self)
        return value

    def __exit__(self, *exc_info: object) -> None:
        if self._tx is not None:
            self._tx.close()
            self._tx = None

    def bind(self, org_id: uuid.UUID) -> None:
        self._tx.set_local("app.org_id", org_id)

    def bind_user(self, user_id: uuid.UUID) -> None:
        self._tx.set_local("app.user_id", user_id)

    def commit(self) -> None:
        self._tx.commit()

    def after_commit(self, action: Callable[[], None]) -> None:
        self._tx.after_commit(action)

    def rollback(self) -> None:
        self._tx.rollback()


_REPOSITORIES = {
    "orgs": lambda uow: PgOrganizations(uow._tx),
    "users": lambda uow: PgUsers(uow._tx),
    "members": lambda uow: PgMembers(uow._tx),
    "sessions": lambda uow: PgSessions(uow._tx),
    "password_tokens": lambda uow: PgPasswordTokens(uow._tx),
    "email_tokens": lambda uow: PgEmailTokens(uow._tx),
    "two_factor": lambda uow: PgTwoFactor(uow._tx),
    "quotas": lambda uow: PgQuotas(uow._tx),
    "exports": lambda uow: PgExports(uow._tx),
    "tenant_dump": lambda uow: PgTenantDump(uow._tx),
    "sign_in_failures": lambda uow: PgSignInFailureLog(uow._tx),
    "api_keys": lambda uow: PgApiKeys(uow._tx, uow._key_locations),
    "invitations": lambda uow: PgInvitations(uow._tx),
    "audit": lambda uow: PgAuditLog(uow._tx, uow._clock, uow._ids,
                                    appended=uow._telemetry.audit_appended),
    "tenant_data": lambda uow: PgTenantData(uow._tx),
    "principals": lambda uow: PgPrincipals(uow._tx),
    "directory": lambda uow: PgMemberDirectory(uow._tx),
    "jobs": lambda uow: uow._jobs_in(uow._tx),
    "support_grants": lambda uow: PgSupportGrants(uow._tx),
}
