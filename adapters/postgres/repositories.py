"""PostgreSQL repositories. Rows become domain objects here and nowhere else.

Every tenant query filters on org_id explicitly, on top of row-level security, so a
distributed PostgreSQL routes it to a single shard.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from adapters.postgres.tables import (
    api_key_prefixes,
    api_keys,
    audit_entries,
    invitations,
    members,
    org,
    password_tokens,
    sessions,
    users,
)
from application.ports.repositories import (
    ApiKeyRepository,
    AuditFilter,
    AuditLog,
    InvitationRepository,
    MemberRepository,
    OrganizationRepository,
    PasswordTokenRepository,
    SessionRepository,
    TenantData,
    UserRepository,
)
from application.ports.system import Clock, IdGenerator
from domain.api_key import ApiKey, Scope
from domain.audit import ActorType, AuditEntry, AuditEvent
from domain.errors import Conflict, TenantContextMissing
from domain.invitation import Invitation
from domain.member import Member, Role
from domain.organization import Organization, OrgStatus, Plan
from domain.password_token import PasswordToken
from domain.session import Session
from domain.user import User, UserStatus


class _TenantScoped:
    """Runs tenant queries, turning the database's missing-tenant error into the domain's."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _execute(self, statement, params=None):
        try:
            return self._conn.execute(statement, params)
        except DBAPIError as error:
            if "tenant context missing" in str(error.orig):
                raise TenantContextMissing(
                    "tenant context missing: bind an organization first") from None
            raise


def _unique_violation(error: IntegrityError, constraint: str) -> bool:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None) == constraint


class PgOrganizations(OrganizationRepository):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, o: Organization) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(org).values(**_org_values(o), created_at=o.created_at))
        except IntegrityError as error:
            if _unique_violation(error, "ux_org_lower_slug"):
                raise Conflict(f"slug {o.slug!r} is already taken", code="slug_taken") from None
            raise

    def get(self, org_id: uuid.UUID) -> Organization | None:
        row = self._conn.execute(select(org).where(org.c.id == org_id)).one_or_none()
        return _org(row) if row else None

    def get_by_slug(self, slug: str) -> Organization | None:
        query = select(org).where(func.lower(org.c.slug) == slug.lower())
        row = self._conn.execute(query).one_or_none()
        return _org(row) if row else None

    def list(self, *, include_deleted: bool = False) -> list[Organization]:
        query = select(org).order_by(org.c.slug)
        if not include_deleted:
            query = query.where(org.c.status != OrgStatus.DELETED.value)
        return [_org(row) for row in self._conn.execute(query)]

    def update(self, o: Organization) -> None:
        self._conn.execute(update(org).where(org.c.id == o.id).values(**_org_values(o)))


def _org_values(o: Organization) -> dict:
    return dict(id=o.id, name=o.name, slug=o.slug, plan=o.plan.value, settings=o.settings,
                status=o.status.value, updated_at=o.updated_at)


def _org(row) -> Organization:
    return Organization(id=row.id, name=row.name, slug=row.slug, plan=Plan(row.plan),
                        settings=dict(row.settings), status=OrgStatus(row.status),
                        created_at=row.created_at, updated_at=row.updated_at)


class PgUsers(UserRepository):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, u: User) -> None:
        values = dict(id=u.id, email=u.email, full_name=u.full_name, password_hash=u.password_hash,
                      status=u.status.value, created_at=u.created_at, updated_at=u.updated_at)
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(users).values(**values))
        except IntegrityError as error:
            if _unique_violation(error, "ux_users_lower_email"):
                raise Conflict(f"a user with email {u.email!r} exists", code="email_taken") from None
            raise

    def get(self, user_id: uuid.UUID) -> User | None:
        row = self._conn.execute(select(users).where(users.c.id == user_id)).one_or_none()
        return _user(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        query = select(users).where(func.lower(users.c.email) == email.lower())
        row = self._conn.execute(query).one_or_none()
        return _user(row) if row else None

    def get_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
        if not user_ids:
            return {}
        rows = self._conn.execute(select(users).where(users.c.id.in_(user_ids)))
        return {row.id: _user(row) for row in rows}

    def update(self, u: User) -> None:
        self._conn.execute(update(users).where(users.c.id == u.id).values(
            full_name=u.full_name, password_hash=u.password_hash, status=u.status.value,
            updated_at=u.updated_at))


def _user(row) -> User:
    return User(id=row.id, email=row.email, full_name=row.full_name,
                password_hash=row.password_hash, status=UserStatus(row.status),
                created_at=row.created_at, updated_at=row.updated_at)


class PgMembers(_TenantScoped, MemberRepository):
    def add(self, m: Member) -> None:
        values = dict(org_id=m.org_id, id=m.id, user_id=m.user_id, role=m.role.value,
                      invited_by=m.invited_by, created_at=m.created_at, updated_at=m.updated_at)
        try:
            with self._conn.begin_nested():
                self._execute(insert(members).values(**values))
        except IntegrityError as error:
            if _unique_violation(error, "uq_members_org_id_user_id"):
                raise Conflict("the user is already a member", code="already_member") from None
            raise

    def get(self, org_id: uuid.UUID, member_id: uuid.UUID) -> Member | None:
        query = select(members).where(members.c.org_id == org_id, members.c.id == member_id)
        row = self._execute(query).one_or_none()
        return _member(row) if row else None

    def get_by_user(self, org_id: uuid.UUID, user_id: uuid.UUID) -> Member | None:
        query = select(members).where(members.c.org_id == org_id, members.c.user_id == user_id)
        row = self._execute(query).one_or_none()
        return _member(row) if row else None

    def list(self, org_id: uuid.UUID) -> list[Member]:
        query = (select(members).where(members.c.org_id == org_id)
                 .order_by(members.c.created_at, members.c.id))
        return [_member(row) for row in self._execute(query)]

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

    def lock_owners(self, org_id: uuid.UUID) -> int:
        query = (select(members.c.id)
                 .where(members.c.org_id == org_id, members.c.role == Role.OWNER.value)
                 .with_for_update())
        return len(self._execute(query).all())


def _member(row) -> Member:
    return Member(org_id=row.org_id, id=row.id, user_id=row.user_id, role=Role(row.role),
                  invited_by=row.invited_by, created_at=row.created_at,
                  updated_at=row.updated_at)


class PgAuditLog(_TenantScoped, AuditLog):
    def __init__(self, conn: Connection, clock: Clock, ids: IdGenerator) -> None:
        super().__init__(conn)
        self._clock = clock
        self._ids = ids

    def append(self, org_id: uuid.UUID, event: AuditEvent) -> AuditEntry:
        # One writer per org chain at a time, until this transaction ends.
        self._conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:org, 0))"),
                           {"org": str(org_id)})
        query = (select(audit_entries).where(audit_entries.c.org_id == org_id)
                 .order_by(audit_entries.c.seq.desc()).limit(1))
        last = self._execute(query).one_or_none()
        entry = AuditEntry.chained(event, org_id=org_id, id=self._ids.new_id(),
                                   now=self._clock.now(), previous=_entry(last) if last else None)
        values = {name: getattr(entry, name) for name in _ENTRY_COLUMNS}
        values["actor_type"] = entry.actor_type.value
        self._execute(insert(audit_entries).values(**values, updated_at=entry.created_at))
        return entry

    def page(self, org_id: uuid.UUID, where: AuditFilter, *, after_seq: int,
             limit: int) -> list[AuditEntry]:
        c = audit_entries.c
        conditions = [c.org_id == org_id, c.seq > after_seq]
        for column, value in ((c.action, where.action), (c.actor_id, where.actor_id),
                              (c.resource_type, where.resource_type),
                              (c.resource_id, where.resource_id)):
            if value is not None:
                conditions.append(column == value)
        if where.since is not None:
            conditions.append(c.created_at >= where.since)
        if where.until is not None:
            conditions.append(c.created_at < where.until)
        query = select(audit_entries).where(*conditions).order_by(c.seq).limit(limit)
        return [_entry(row) for row in self._execute(query)]

    def entries(self, org_id: uuid.UUID) -> Iterator[AuditEntry]:
        query = (select(audit_entries).where(audit_entries.c.org_id == org_id)
                 .order_by(audit_entries.c.seq))
        for row in self._execute(query):
            yield _entry(row)


_ENTRY_COLUMNS = (
    "org_id", "id", "seq", "actor_type", "actor_id", "actor_label", "action", "resource_type",
    "resource_id", "details", "ip", "user_agent", "created_at", "prev_hash", "hash",
)


def _entry(row) -> AuditEntry:
    values = {name: getattr(row, name) for name in _ENTRY_COLUMNS}
    values["actor_type"] = ActorType(row.actor_type)
    values["details"] = dict(row.details)
    return AuditEntry(**values)


class PgTenantData(_TenantScoped, TenantData):
    def blocking_dependencies(self, org_id: uuid.UUID) -> dict[str, int]:
        query = select(func.count()).select_from(members).where(
            members.c.org_id == org_id, members.c.role != Role.OWNER.value)
        count = self._execute(query).scalar_one()
        return {"members": count} if count else {}


class PgSessions(_TenantScoped, SessionRepository):
    def add(self, s: Session) -> None:
        self._execute(insert(sessions).values(**_session_values(s), created_at=s.created_at))

    def get(self, org_id: uuid.UUID, session_id: uuid.UUID) -> Session | None:
        query = select(sessions).where(sessions.c.org_id == org_id, sessions.c.id == session_id)
        row = self._execute(query).one_or_none()
        return Session(**{c: getattr(row, c) for c in _SESSION_COLUMNS}) if row else None

    def update(self, s: Session) -> None:
        self._execute(update(sessions)
                      .where(sessions.c.org_id == s.org_id, sessions.c.id == s.id)
                      .values(**_session_values(s)))

    def revoke_all_of_user(self, user_id: uuid.UUID, reason: str, now: datetime) -> int:
        c = sessions.c
        statement = (update(sessions)
                     .where(c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > now)
                     .values(revoked_at=now, revoked_reason=reason, updated_at=now))
        return self._execute(statement).rowcount


class PgPasswordTokens(PasswordTokenRepository):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, t: PasswordToken) -> None:
        self._conn.execute(insert(password_tokens).values(**_token_values(t)))

    def get_by_hash(self, token_hash: str) -> PasswordToken | None:
        query = select(password_tokens).where(password_tokens.c.token_hash == token_hash)
        row = self._conn.execute(query).one_or_none()
        return PasswordToken(**{c: getattr(row, c) for c in _TOKEN_COLUMNS}) if row else None

    def update(self, t: PasswordToken) -> None:
        self._conn.execute(update(password_tokens).where(password_tokens.c.id == t.id)
                           .values(used_at=t.used_at, updated_at=t.updated_at))


_TOKEN_COLUMNS = ("id", "user_id", "token_hash", "expires_at", "created_at", "updated_at", "used_at")


def _token_values(t: PasswordToken) -> dict:
    return {c: getattr(t, c) for c in _TOKEN_COLUMNS}


_SESSION_COLUMNS = ("org_id", "id", "user_id", "refresh_token_id", "expires_at", "created_at",
                    "updated_at", "revoked_at", "revoked_reason", "ip", "user_agent")


def _session_values(s: Session) -> dict:
    return {c: getattr(s, c) for c in _SESSION_COLUMNS if c != "created_at"}


class PgApiKeys(_TenantScoped, ApiKeyRepository):
    def add(self, k: ApiKey) -> None:
        self._execute(insert(api_keys).values(**_key_values(k), created_at=k.created_at))
        self._conn.execute(insert(api_key_prefixes).values(id=k.id, prefix=k.prefix, org_id=k.org_id))

    def locate(self, prefix: str) -> uuid.UUID | None:
        query = select(api_key_prefixes.c.org_id).where(api_key_prefixes.c.prefix == prefix)
        return self._conn.execute(query).scalar_one_or_none()

    def get(self, org_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        return self._one(api_keys.c.org_id == org_id, api_keys.c.id == key_id)

    def get_by_prefix(self, org_id: uuid.UUID, prefix: str) -> ApiKey | None:
        return self._one(api_keys.c.org_id == org_id, api_keys.c.prefix == prefix)

    def _one(self, *conditions) -> ApiKey | None:
        row = self._execute(select(api_keys).where(*conditions)).one_or_none()
        return _key(row) if row else None

    def list(self, org_id: uuid.UUID) -> list[ApiKey]:
        query = (select(api_keys).where(api_keys.c.org_id == org_id)
                 .order_by(api_keys.c.created_at, api_keys.c.id))
        return [_key(row) for row in self._execute(query)]

    def update(self, k: ApiKey) -> None:
        self._execute(update(api_keys).where(api_keys.c.org_id == k.org_id, api_keys.c.id == k.id)
                      .values(**_key_values(k)))


_KEY_COLUMNS = ("org_id", "id", "name", "prefix", "secret_hash", "created_by", "expires_at",
                "last_used_at", "revoked_at", "updated_at")


def _key_values(k: ApiKey) -> dict:
    return {c: getattr(k, c) for c in _KEY_COLUMNS} | {"scopes": sorted(s.value for s in k.scopes)}


def _key(row) -> ApiKey:
    return ApiKey(**{c: getattr(row, c) for c in _KEY_COLUMNS}, created_at=row.created_at,
                  scopes=frozenset(Scope(s) for s in row.scopes))


class PgInvitations(_TenantScoped, InvitationRepository):
    def add(self, i: Invitation) -> None:
        self._execute(insert(invitations).values(**_invitation_values(i)))

    def get_by_hash(self, org_id: uuid.UUID, token_hash: str) -> Invitation | None:
        query = select(invitations).where(invitations.c.org_id == org_id,
                                          invitations.c.token_hash == token_hash)
        row = self._execute(query).one_or_none()
        if row is None:
            return None
        return Invitation(**{c: getattr(row, c) for c in _INVITATION_COLUMNS} | {"role": Role(row.role)})

    def update(self, i: Invitation) -> None:
        self._execute(update(invitations)
                      .where(invitations.c.org_id == i.org_id, invitations.c.id == i.id)
                      .values(accepted_at=i.accepted_at, updated_at=i.updated_at))


_INVITATION_COLUMNS = ("org_id", "id", "email", "role", "token_hash", "invited_by", "expires_at",
                       "created_at", "updated_at", "accepted_at")


def _invitation_values(i: Invitation) -> dict:
    return {c: getattr(i, c) for c in _INVITATION_COLUMNS} | {"role": i.role.value}
