"""Global tables (no tenant): organizations, people and password links. Rows become domain
objects here and nowhere else."""

from __future__ import annotations

import uuid
from datetime import datetime

from psycopg.types.json import Jsonb
from sqlalchemy import Text, bindparam, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres.tables import email_tokens, org, password_tokens, users
from adapters.postgres.transaction import Compiled, Transaction
from application.ports.repositories import (
    EmailTokenRepository,
    OrganizationRepository,
    PasswordTokenRepository,
    UserRepository,
)
from domain.email_token import EmailPurpose, EmailToken
from domain.errors import Conflict
from domain.organization import Organization, OrgStatus, Plan
from domain.password_token import PasswordToken
from domain.user import ERASED_DOMAIN, User, UserStatus


class PgOrganizations(OrganizationRepository):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, o: Organization) -> None:
        statement = (insert(org).values(**_org_values(o), created_at=o.created_at)
                     .on_conflict_do_nothing(index_elements=[func.lower(org.c.slug)])
                     .returning(org.c.id))
        if self._tx.execute(statement).first() is None:
            raise Conflict(f"slug {o.slug!r} is already taken", code="slug_taken")

    def get(self, org_id: uuid.UUID) -> Organization | None:
        row = self._tx.execute(select(org).where(org.c.id == org_id)).one_or_none()
        return org_of(row) if row else None

    def get_by_slug(self, slug: str, *, lock: bool = False) -> Organization | None:
        query = select(org).where(func.lower(org.c.slug) == slug.lower())
        if lock:
            query = query.with_for_update(key_share=True)
        row = self._tx.execute(query).one_or_none()
        return org_of(row) if row else None

    def list(self, *, include_deleted: bool = False) -> list[Organization]:
        query = select(org).order_by(org.c.slug)
        if not include_deleted:
            query = query.where(org.c.status != OrgStatus.DELETED.value)
        return [org_of(row) for row in self._tx.execute(query)]

    def update(self, o: Organization) -> None:
        self._tx.run(_UPDATE_ORG, _org_values(o) | {"settings": Jsonb(o.settings)})


_UPDATE_ORG = Compiled(update(org).where(org.c.id == bindparam("id")).values(
    {name: bindparam(name) for name in ("name", "slug", "plan", "settings", "status", "updated_at")}))


def _org_values(o: Organization) -> dict:
    return dict(id=o.id, name=o.name, slug=o.slug, plan=o.plan.value, settings=o.settings,
                status=o.status.value, updated_at=o.updated_at)


def org_of(row) -> Organization:
    """An Organization from a row that has the org table's columns under their own names."""
    return Organization(id=row.id, name=row.name, slug=row.slug, plan=Plan(row.plan),
                        settings=dict(row.settings), status=OrgStatus(row.status),
                        created_at=row.created_at, updated_at=row.updated_at)


class PgUsers(UserRepository):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, u: User) -> None:
        values = dict(id=u.id, email=u.email, full_name=u.full_name, password_hash=u.password_hash,
                      status=u.status.value, created_at=u.created_at, updated_at=u.updated_at,
                      email_verified_at=u.email_verified_at)
        statement = (insert(users).values(**values)
                     .on_conflict_do_nothing(index_elements=[func.lower(users.c.email)])
                     .returning(users.c.id))
        if self._tx.execute(statement).first() is None:
            raise Conflict(f"a user with email {u.email!r} exists", code="email_taken")

    def get(self, user_id: uuid.UUID) -> User | None:
        row = self._tx.execute(select(users).where(users.c.id == user_id)).one_or_none()
        return _user(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        query = select(users).where(func.lower(users.c.email) == email.lower())
        row = self._tx.execute(query).one_or_none()
        return _user(row) if row else None

    def update(self, u: User) -> None:
        self._tx.execute(update(users).where(users.c.id == u.id, _NOT_ERASED).values(
            email=u.email, full_name=u.full_name, password_hash=u.password_hash,
            status=u.status.value,
            email_verified_at=u.email_verified_at, updated_at=u.updated_at))

    def mark_erased(self, u: User) -> bool:
        return self._tx.execute(update(users).where(users.c.id == u.id, _NOT_ERASED).values(
            status=UserStatus.ERASED.value, password_hash=u.password_hash,
            updated_at=u.updated_at)).rowcount == 1

    def store_anonymised(self, u: User) -> None:
        self._tx.execute(update(users).where(users.c.id == u.id, ~_NOT_ERASED).values(
            email=u.email, full_name=u.full_name, email_verified_at=u.email_verified_at,
            updated_at=u.updated_at))


    def erasures_pending(self) -> list[User]:
        placeholder = func.concat("erased-", func.replace(cast(users.c.id, Text), "-", ""),
                                  f"@{ERASED_DOMAIN}")  # domain.user.erased_address
        query = select(users).where(~_NOT_ERASED, users.c.email != placeholder)
        return [_user(row) for row in self._tx.execute(query.order_by(users.c.id))]


_NOT_ERASED = users.c.status != UserStatus.ERASED.value


def _user(row) -> User:
    return User(id=row.id, email=row.email, full_name=row.full_name,
                password_hash=row.password_hash, status=UserStatus(row.status),
                created_at=row.created_at, updated_at=row.updated_at,
                email_verified_at=row.email_verified_at)


class PgPasswordTokens(PasswordTokenRepository):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, t: PasswordToken) -> None:
        self._tx.execute(insert(password_tokens).values(**{c: getattr(t, c) for c in _TOKEN_COLUMNS}))

    def get_by_hash(self, token_hash: str) -> PasswordToken | None:
        query = select(password_tokens).where(password_tokens.c.token_hash == token_hash)
        row = self._tx.execute(query).one_or_none()
        return PasswordToken(**{c: getattr(row, c) for c in _TOKEN_COLUMNS}) if row else None

    def claim(self, t: PasswordToken) -> bool:
        return self._tx.run(_CLAIM_TOKEN, {"id": t.id, "at": t.used_at}) == 1

    def expire_unused_of(self, user_id: uuid.UUID, now: datetime) -> int:
        c = password_tokens.c
        return self._tx.execute(update(password_tokens).where(
            c.user_id == user_id, c.used_at.is_(None), c.expires_at > now,
        ).values(expires_at=now, updated_at=now)).rowcount


_CLAIM_TOKEN = Compiled(update(password_tokens).where(
    password_tokens.c.id == bindparam("id"), password_tokens.c.used_at.is_(None),
    password_tokens.c.expires_at > bindparam("at"),  # not replaced by a newer link meanwhile
).values(used_at=bindparam("at"), updated_at=bindparam("at")))


_TOKEN_COLUMNS = ("id", "user_id", "token_hash", "expires_at", "created_at", "updated_at", "used_at")


class PgEmailTokens(EmailTokenRepository):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, t: EmailToken) -> None:
        self._tx.execute(insert(email_tokens).values(
            **{c: getattr(t, c) for c in _EMAIL_COLUMNS}, purpose=t.purpose.value))

    def get_by_hash(self, token_hash: str) -> EmailToken | None:
        query = select(email_tokens).where(email_tokens.c.token_hash == token_hash)
        row = self._tx.execute(query).one_or_none()
        return EmailToken(**{c: getattr(row, c) for c in _EMAIL_COLUMNS},
                          purpose=EmailPurpose(row.purpose)) if row else None

    def claim(self, t: EmailToken) -> bool:
        c = email_tokens.c
        return self._tx.execute(update(email_tokens).where(
            c.id == t.id, c.used_at.is_(None), c.expires_at > t.used_at,
        ).values(used_at=t.used_at, updated_at=t.used_at)).rowcount == 1

    def expire_unused_of(self, user_id: uuid.UUID, now: datetime,
                         purpose: EmailPurpose = EmailPurpose.VERIFY) -> int:
        c = email_tokens.c
        return self._tx.execute(update(email_tokens).where(
            c.user_id == user_id, c.used_at.is_(None), c.expires_at > now,
            c.purpose == purpose.value,
        ).values(expires_at=now, updated_at=now)).rowcount


_EMAIL_COLUMNS = ("id", "user_id", "email", "token_hash", "expires_at", "created_at",
                  "updated_at", "used_at")
