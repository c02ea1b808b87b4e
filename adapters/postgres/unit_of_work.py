from __future__ import annotations

import uuid

from sqlalchemy import Engine

from adapters.postgres.repositories import (
    PgApiKeys,
    PgAuditLog,
    PgInvitations,
    PgMembers,
    PgOrganizations,
    PgPasswordTokens,
    PgSessions,
    PgTenantData,
    PgUsers,
)
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork


class PostgresUnitOfWork(UnitOfWork):
    """One connection, one transaction; the tenant is set with SET LOCAL for that transaction."""

    def __init__(self, engine: Engine, clock: Clock, ids: IdGenerator) -> None:
        self._engine = engine
        self._clock = clock
        self._ids = ids
        self._conn = None

    def __enter__(self) -> PostgresUnitOfWork:
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        self.orgs = PgOrganizations(self._conn)
        self.users = PgUsers(self._conn)
        self.members = PgMembers(self._conn)
        self.sessions = PgSessions(self._conn)
        self.password_tokens = PgPasswordTokens(self._conn)
        self.api_keys = PgApiKeys(self._conn)
        self.invitations = PgInvitations(self._conn)
        self.audit = PgAuditLog(self._conn, self._clock, self._ids)
        self.tenant_data = PgTenantData(self._conn)
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def bind(self, org_id: uuid.UUID) -> None:
        set_tenant(self._conn, org_id)

    def bind_user(self, user_id: uuid.UUID) -> None:
        self._conn.exec_driver_sql(f"SET LOCAL app.user_id = '{uuid.UUID(str(user_id))}'")

    def commit(self) -> None:
        if self._tx.is_active:
            self._tx.commit()

    def rollback(self) -> None:
        if self._tx.is_active:
            self._tx.rollback()


def set_tenant(conn, org_id: uuid.UUID | str) -> None:
    """SET LOCAL takes no bind parameters, so the value is validated as a UUID before use.

    SET LOCAL rather than set_config(): a distributed PostgreSQL (Citus with
    citus.propagate_set_commands = 'local') forwards SET LOCAL to its shards.
    """
    tenant = uuid.UUID(str(org_id))
    conn.exec_driver_sql(f"SET LOCAL app.org_id = '{tenant}'")
