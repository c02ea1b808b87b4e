"""The principal of a request and the members list, each one joined query built once at import."""

from __future__ import annotations

import uuid
from datetime import datetime

from psycopg.rows import args_row
from sqlalchemy import and_, bindparam, select, tuple_

from adapters.postgres.global_repositories import org_of
from adapters.postgres.sign_in_repositories import key_of
from adapters.postgres.tables import api_keys, members, org, sessions, users
from adapters.postgres.tenant_repositories import TenantScoped
from adapters.postgres.transaction import Compiled
from application.ports.principals import KeyGrant, Principals, SessionGrant
from application.ports.read_models import (
    MemberCursor,
    MemberDirectory,
    Membership,
    MemberSummary,
)
from domain.member import Role
from domain.organization import OrgStatus
from domain.user import UserStatus

_ACTIVE_ORG = org.c.status == OrgStatus.ACTIVE.value

_SESSION_PRINCIPAL = (
    select(org, sessions.c.id.label("session_id"), members.c.id.label("member_id"),
           members.c.role, users.c.id.label("user_id"), users.c.email, users.c.full_name)
    .select_from(sessions
                 .join(members, and_(members.c.org_id == sessions.c.org_id,
                                     members.c.user_id == sessions.c.user_id))
                 .join(users, users.c.id == sessions.c.user_id)
                 .join(org, org.c.id == sessions.c.org_id))
    .where(sessions.c.org_id == bindparam("org_id"), members.c.org_id == bindparam("org_id"),
           sessions.c.id == bindparam("session_id"), sessions.c.user_id == bindparam("user_id"),
           sessions.c.revoked_at.is_(None), sessions.c.expires_at > bindparam("now"),
           users.c.status == UserStatus.ACTIVE.value, _ACTIVE_ORG)
)

_CREATOR = members.alias("creator")
_CREATOR_USER = users.alias("creator_user")
_KEY_PRINCIPAL = (  # the creator's role only while they are an active member of the org
    select(org, *(column.label(f"key_{column.name}") for column in api_keys.c),
           _CREATOR.c.role.label("creator_role"))
    .select_from(api_keys.join(org, org.c.id == api_keys.c.org_id)
                 .outerjoin(_CREATOR_USER, and_(_CREATOR_USER.c.id == api_keys.c.created_by,
                                                _CREATOR_USER.c.status == UserStatus.ACTIVE.value))
                 .outerjoin(_CREATOR, and_(_CREATOR.c.org_id == api_keys.c.org_id,
                                           _CREATOR.c.user_id == _CREATOR_USER.c.id)))
    .where(api_keys.c.org_id == bindparam("org_id"), api_keys.c.prefix == bindparam("prefix"),
           _ACTIVE_ORG)
)
# Each with and without a lock on the org's row (FOR NO KEY UPDATE OF org).
_SESSION = {lock: Compiled(_SESSION_PRINCIPAL.with_for_update(of=org, key_share=True) if lock
                           else _SESSION_PRINCIPAL) for lock in (False, True)}
_KEY = {lock: Compiled(_KEY_PRINCIPAL.with_for_update(of=org, key_share=True) if lock
                       else _KEY_PRINCIPAL) for lock in (False, True)}


class PgPrincipals(TenantScoped, Principals):
    def of_session(self, org_id: uuid.UUID, session_id: uuid.UUID, user_id: uuid.UUID,
                   now: datetime, *, lock_org: bool = False) -> SessionGrant | None:
        rows = self._fetch(_SESSION[lock_org], {"org_id": org_id, "session_id": session_id,
                                                "user_id": user_id, "now": now})
        if not rows:
            return None
        row = rows[0]
        return SessionGrant(org=org_of(row), session_id=row.session_id, member_id=row.member_id,
                            user_id=row.user_id, email=row.email, full_name=row.full_name,
                            role=Role(row.role))

    def of_api_key(self, org_id: uuid.UUID, prefix: str, *,
                   lock_org: bool = False) -> KeyGrant | None:
        rows = self._fetch(_KEY[lock_org], {"org_id": org_id, "prefix": prefix})
        if not rows:
            return None
        row = rows[0]
        return KeyGrant(org=org_of(row), key=key_of(row, "key_"),
                        creator_role=Role(row.creator_role) if row.creator_role else None)


_SUMMARY = (  # in MemberSummary's field order: rows are made straight into it
    select(members.c.id, members.c.org_id, members.c.user_id, users.c.email, users.c.full_name,
           members.c.role, members.c.created_at, members.c.last_sign_in_at)
    .select_from(members.join(users, users.c.id == members.c.user_id))
    .where(members.c.org_id == bindparam("org_id"))
    .order_by(members.c.created_at, members.c.id)
    .limit(bindparam("limit"))
)
_SUMMARY_AFTER = Compiled(_SUMMARY.where(tuple_(members.c.created_at, members.c.id)
                                         > tuple_(bindparam("after_at"), bindparam("after_id"))),
                          args_row(MemberSummary))
_SUMMARY = Compiled(_SUMMARY, args_row(MemberSummary))
_MEMBERSHIPS = Compiled(
    select(org, members.c.id.label("member_id"), members.c.role)
    .select_from(members.join(org, org.c.id == members.c.org_id))
    .where(members.c.user_id == bindparam("user_id"))
    .order_by(members.c.created_at, members.c.id)
)


class PgMemberDirectory(TenantScoped, MemberDirectory):
    def page(self, org_id: uuid.UUID, *, after: MemberCursor | None,
             limit: int) -> list[MemberSummary]:
        if after is None:
            return self._fetch(_SUMMARY, {"org_id": org_id, "limit": limit})
        return self._fetch(_SUMMARY_AFTER, {"org_id": org_id, "limit": limit,
                                            "after_at": after.created_at, "after_id": after.id})

    def memberships_of_user(self, user_id: uuid.UUID) -> list[Membership]:
        rows = self._fetch(_MEMBERSHIPS, {"user_id": user_id})
        return [Membership(org=org_of(r), member_id=r.member_id, role=Role(r.role)) for r in rows]
