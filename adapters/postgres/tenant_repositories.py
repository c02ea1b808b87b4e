"""Tenant tables: members, and the tenant guard every tenant repository builds on. Every query
filters on org_id explicitly, on top of row-level security, so a distributed PostgreSQL routes
it to one shard; no update ever sets org_id or id."""

from __future__ import annotations

import uuid
from datetime import datetime

import psycopg
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.exc import DBAPIError

from adapters.postgres.tables import members
from adapters.postgres.transaction import Compiled, Transaction, database_error
from application.errors import TenantContextMissing
from application.ports.repositories import (
    MemberRepository,
    TenantData,
)
from domain.errors import Conflict
from domain.member import Member, Role


class TenantScoped:
    """Runs tenant queries, turning the database's missing-tenant error into the application's."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _execute(self, statement, params=None):
        try:
            return self._tx.execute(statement, params)
        except DBAPIError as error:
            raise _tenant_error(error) from None

    def _fetch(self, statement: Compiled, params: dict) -> list:
        try:
            return self._tx.fetch(statement, params)
        except psycopg.Error as error:
            raise _tenant_error(error) from None

    def _run(self, statement: Compiled, params: dict) -> int:
        try:
            return self._tx.run(statement, params)
        except psycopg.Error as error:
            raise _tenant_error(error) from None


def _tenant_error(error: Exception) -> Exception:
    """The database's missing-tenant refusal as the application's error; any other as it came."""
    if "tenant context missing" in database_error(error):
        return TenantContextMissing("tenant context missing: bind an organization first")
    return error


class PgMembers(TenantScoped, MemberRepository):
    def add(self, m: Member) -> None:
        values = dict(org_id=m.org_id, id=m.id, user_id=m.user_id, role=m.role.value,
                      invited_by=m.invited_by, created_at=m.created_at, updated_at=m.updated_at,
                      last_sign_in_at=m.last_sign_in_at)
        statement = (upsert(members).values(**values)
                     .on_conflict_do_nothing(index_elements=["org_id", "user_id"])
                     .returning(members.c.id))
        if self._execute(statement).first() is None:
            raise Conflict("the user is already a member", code="already_member")

    def get(self, org_id: uuid.UUID, member_id: uuid.UUID) -> Member | None:
        return self._one(members.c.org_id == org_id, members.c.id == member_id)

    def get_by_user(self, org_id: uuid.UUID, user_id: uuid.UUID) -> Member | None:
        return self._one(members.c.org_id == org_id, members.c.user_id == user_id)

    def _one(self, *conditions) -> Member | None:
        row = self._execute(select(members).where(*conditions)).one_or_none()
        return _member(row) if row else None

    def update(self, m: Member) -> None:
        self._execute(
            update(members).where(members.c.org_id == m.org_id, members.c.id == m.id)
            .values(role=m.role.value, invited_by=m.invited_by, updated_at=m.updated_at))

    def remove(self, org_id: uuid.UUID, member_id: uuid.UUID) -> None:
        # Those this member invited keep their membership; the link to the inviter goes.
        self._execute(
            update(members).where(members.c.org_id == org_id, members.c.invited_by == member_id)
            .values(invited_by=None))
        self._execute(
            delete(members).where(members.c.org_id == org_id, members.c.id == member_id))

    def memberships_of_user(self, user_id: uuid.UUID) -> list[Member]:
        query = (select(members).where(members.c.user_id == user_id)
                 .order_by(members.c.created_at, members.c.id))
        return [_member(row) for row in self._execute(query)]

    def hold(self, org_id: uuid.UUID, user_id: uuid.UUID, *,
             exclusive: bool = False) -> Member | None:
        query = (select(members).where(members.c.org_id == org_id, members.c.user_id == user_id)
                 .with_for_update(read=not exclusive))
        row = self._execute(query).one_or_none()
        return None if row is None else _member(row)

    def note_sign_in(self, org_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> None:
        c = members.c
        self._execute(update(members).where(
            c.org_id == org_id, c.user_id == user_id,
            c.last_sign_in_at.is_(None) | (c.last_sign_in_at < at)).values(last_sign_in_at=at))

    def lock_owners(self, org_id: uuid.UUID) -> int:
        query = (select(members.c.id)
                 .where(members.c.org_id == org_id, members.c.role == Role.OWNER.value)
                 .order_by(members.c.id)  # one order for every locker: no deadlock
                 .with_for_update())
        return len(self._execute(query).all())


def _member(row) -> Member:
    return Member(org_id=row.org_id, id=row.id, user_id=row.user_id, role=Role(row.role),
                  invited_by=row.invited_by, created_at=row.created_at,
                  updated_at=row.updated_at, last_sign_in_at=row.last_sign_in_at)


class PgTenantData(TenantScoped, TenantData):
    def blocking_dependencies(self, org_id: uuid.UUID) -> dict[str, int]:
        query = select(func.count()).select_from(members).where(
            members.c.org_id == org_id, members.c.role != Role.OWNER.value)
        count = self._execute(query).scalar_one()
        return {"members": count} if count else {}
