from __future__ import annotations

import uuid

from sqlalchemy import Engine

from adapters.postgres.audit_log import PgAuditLog
from adapters.postgres.global_repositories import PgOrganizations, PgPasswordTokens, PgUsers
from adapters.postgres.read_models import PgMemberDirectory, PgPrincipals
from adapters.postgres.tenant_repositories import (
    PgApiKeys,
    PgInvitations,
    PgMembers,
    PgSessions,
    PgTenantData,
)
from adapters.postgres.transaction import Transaction
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork


class PostgresUnitOfWork(UnitOfWork):
    """One connection, one transaction; the tenant is set with SET LOCAL for that transaction.

    SET LOCAL rather than set_config(): a distributed PostgreSQL (Citus with
    citus.propagate_set_commands = 'local') forwards SET LOCAL to its shards.
    """

    def __init__(self, engine: Engine, clock: Clock, ids: IdGenerator) -> None:
        self._engine = engine
        self._clock = clock
        self._ids = ids
        self._tx: Transaction | None = None

    def __enter__(self) -> PostgresUnitOfWork:
        tx = self._tx = Transaction(self._engine)
        self.orgs = PgOrganizations(tx)
        self.users = PgUsers(tx)
        self.members = PgMembers(tx)
        self.sessions = PgSessions(tx)
        self.password_tokens = PgPasswordTokens(tx)
        self.api_keys = PgApiKeys(tx)
        self.invitations = PgInvitations(tx)
        self.audit = PgAuditLog(tx, self._clock, self._ids)
        self.tenant_data = PgTenantData(tx)
        self.principals = PgPrincipals(tx)
        self.directory = PgMemberDirectory(tx)
        return self

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

    def rollback(self) -> None:
        self._tx.rollback()
