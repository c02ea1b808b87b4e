"""In-memory twins of the PostgreSQL repositories, including the tenant-context rule.

They work on a `Draft` (adapters/memory/store.py): rows are found by looking at the tables
without copying (`items()`, `values()`, `peek()`), and what is returned is taken with
`table[key]`, the transaction's own copy of that row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from adapters.memory.store import Draft, DraftTable
from application.errors import TenantContextMissing
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
from domain.api_key import ApiKey
from domain.audit import AuditEntry, AuditEvent
from domain.errors import Conflict
from domain.invitation import Invitation
from domain.member import Member, Role
from domain.organization import Organization, OrgStatus
from domain.password_token import PasswordToken
from domain.session import Session
from domain.user import User

BoundOrg = Callable[[], uuid.UUID | None]
BoundUser = Callable[[], uuid.UUID | None]


def _first(table: DraftTable, keys: Iterable) -> Any:
    """The row of the first key, handed out; None when there is none."""
    key = next(iter(keys), _NONE)
    return None if key is _NONE else table[key]


_NONE = object()


class MemoryOrganizations(OrganizationRepository):
    def __init__(self, tables: Draft) -> None:
        self._t = tables

    def add(self, org: Organization) -> None:
        if any(o.slug.lower() == org.slug.lower() for o in self._t.orgs.values()):
            raise Conflict(f"slug {org.slug!r} is already taken", code="slug_taken")
        self._t.orgs[org.id] = org

    def get(self, org_id: uuid.UUID) -> Organization | None:
        return self._t.orgs.get(org_id)

    def get_by_slug(self, slug: str) -> Organization | None:
        return _first(self._t.orgs, (k for k, o in self._t.orgs.items()
                                     if o.slug.lower() == slug.lower()))

    def list(self, *, include_deleted: bool = False) -> list[Organization]:
        orgs = sorted(self._t.orgs.items(), key=lambda row: row[1].slug)
        return [self._t.orgs[k] for k, o in orgs
                if include_deleted or o.status is not OrgStatus.DELETED]

    def update(self, org: Organization) -> None:
        self._t.orgs[org.id] = org


class MemoryUsers(UserRepository):
    def __init__(self, tables: Draft) -> None:
        self._t = tables

    def add(self, user: User) -> None:
        if self._by_email(user.email) is not None:
            raise Conflict(f"a user with email {user.email!r} exists", code="email_taken")
        self._t.users[user.id] = user

    def get(self, user_id: uuid.UUID) -> User | None:
        return self._t.users.get(user_id)

    def get_by_email(self, email: str) -> User | None:
        key = self._by_email(email)
        return None if key is None else self._t.users[key]

    def _by_email(self, email: str) -> uuid.UUID | None:
        return next((k for k, u in self._t.users.items() if u.email == email.lower()), None)

    def get_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
        return {i: self._t.users[i] for i in user_ids if i in self._t.users}

    def update(self, user: User) -> None:
        if user.id in self._t.users:
            self._t.users[user.id] = user


class TenantScoped:
    """Refuses to work with no org bound and sees only the bound org, as RLS does.

    In a user scope (bound to a user, not an org) tenant rows are invisible, not an error.
    """

    def __init__(self, tables: Draft, bound_org: BoundOrg, bound_user: BoundUser) -> None:
        self._t = tables
        self._bound_org = bound_org
        self._bound_user = bound_user

    def _visible(self, org_id: uuid.UUID) -> bool:
        bound = self._bound_org()
        if bound is None:
            if self._bound_user() is not None:
                return False
            raise TenantContextMissing("tenant context missing: bind an organization first")
        return bound == org_id

    def _sees_member(self, member: Member) -> bool:
        """RLS on members: the bound org's rows; in a user scope, the user's own rows too
        (PostgreSQL's member_self_read policy, for reading only)."""
        bound, user = self._bound_org(), self._bound_user()
        if bound is None and user is None:
            raise TenantContextMissing("tenant context missing: bind an organization first")
        return member.org_id == bound if bound is not None else member.user_id == user


class MemoryMembers(TenantScoped, MemberRepository):
    def add(self, member: Member) -> None:
        if not self._visible(member.org_id):
            raise TenantContextMissing("a member may only be added to the bound organization")
        if any(m.user_id == member.user_id for _, m in self._rows(member.org_id)):
            raise Conflict("the user is already a member", code="already_member")
        self._t.members[(member.org_id, member.id)] = member

    def get(self, org_id: uuid.UUID, member_id: uuid.UUID) -> Member | None:
        found = self._t.members.peek((org_id, member_id))
        return self._t.members[(org_id, member_id)] if found and self._sees_member(found) else None

    def get_by_user(self, org_id: uuid.UUID, user_id: uuid.UUID) -> Member | None:
        return _first(self._t.members, (k for k, m in self._rows(org_id) if m.user_id == user_id))

    def list(self, org_id: uuid.UUID) -> list[Member]:
        return [self._t.members[k] for k, _ in self._rows(org_id)]

    def _rows(self, org_id: uuid.UUID) -> list[tuple[tuple[uuid.UUID, uuid.UUID], Member]]:
        """The org's members this transaction may read, in order, not handed out: for looking."""
        found = [(k, m) for k, m in self._t.members.items()
                 if k[0] == org_id and self._sees_member(m)]
        return sorted(found, key=lambda row: (row[1].created_at, row[1].id))

    def update(self, member: Member) -> None:
        key = (member.org_id, member.id)
        if self._visible(member.org_id) and key in self._t.members:
            self._t.members[key] = member

    def remove(self, org_id: uuid.UUID, member_id: uuid.UUID) -> None:
        if not self._visible(org_id):
            return
        for key, _ in [row for row in self._rows(org_id) if row[1].invited_by == member_id]:
            invited = self._t.members[key]
            invited.invited_by = None
            self._t.members[key] = invited
        self._t.members.pop((org_id, member_id), None)

    def memberships_of_user(self, user_id: uuid.UUID) -> list[Member]:
        bound_org, bound_user = self._bound_org(), self._bound_user()
        if bound_org is None and bound_user is None:
            raise TenantContextMissing("tenant context missing: bind the user first")
        found = [(k, m) for k, m in self._t.members.items() if m.user_id == user_id
                 and (m.org_id == bound_org if bound_org else m.user_id == bound_user)]
        found.sort(key=lambda row: (row[1].created_at, row[1].id))
        return [self._t.members[k] for k, _ in found]

    def lock_owners(self, org_id: uuid.UUID) -> int:
        return sum(1 for _, m in self._rows(org_id) if m.role is Role.OWNER)


class MemoryAuditLog(TenantScoped, AuditLog):
    def __init__(self, tables: Draft, bound_org: BoundOrg, bound_user: BoundUser, clock: Clock,
                 ids: IdGenerator) -> None:
        super().__init__(tables, bound_org, bound_user)
        self._clock = clock
        self._ids = ids

    def append(self, org_id: uuid.UUID, event: AuditEvent) -> AuditEntry:
        if not self._visible(org_id):
            raise TenantContextMissing("audit entries may only be written to the bound organization")
        chain = self._t.audit.get(org_id)  # this transaction's copy of the one chain it extends
        if chain is None:
            chain = []
        entry = AuditEntry.chained(event, org_id=org_id, id=self._ids.new_id(),
                                   now=self._clock.now(), previous=chain[-1] if chain else None)
        chain.append(entry)
        self._t.audit[org_id] = chain
        return entry

    def entries(self, org_id: uuid.UUID) -> Iterator[AuditEntry]:
        # Entries are frozen: the list is copied, they are not.
        return iter(list(self._t.audit.peek(org_id, ())) if self._visible(org_id) else [])

    def page(self, org_id: uuid.UUID, where: AuditFilter, *, after_seq: int,
             limit: int) -> list[AuditEntry]:
        found = [e for e in self.entries(org_id) if e.seq > after_seq and where.matches(e)]
        return found[:limit]


class MemoryTenantData(TenantScoped, TenantData):
    def blocking_dependencies(self, org_id: uuid.UUID) -> dict[str, int]:
        if not self._visible(org_id):
            return {}
        members = sum(1 for (oid, _), m in self._t.members.items()
                      if oid == org_id and m.role is not Role.OWNER)
        return {"members": members} if members else {}


class MemorySessions(TenantScoped, SessionRepository):
    def add(self, session: Session) -> None:
        if not self._visible(session.org_id):
            raise TenantContextMissing("a session may only be added to the bound organization")
        self._t.sessions[(session.org_id, session.id)] = session

    def get(self, org_id: uuid.UUID, session_id: uuid.UUID) -> Session | None:
        return self._t.sessions.get((org_id, session_id)) if self._visible(org_id) else None

    def update(self, session: Session) -> None:
        key = (session.org_id, session.id)
        if self._visible(session.org_id) and key in self._t.sessions:
            self._t.sessions[key] = session

    def revoke_all_of_user(self, user_id: uuid.UUID, reason: str, now: datetime) -> int:
        if self._bound_user() != user_id or self._bound_org() is not None:
            raise TenantContextMissing("ending a user's sessions needs that user's scope")
        live = [k for k, s in self._t.sessions.items() if s.user_id == user_id and s.is_active(now)]
        for key in live:
            session = self._t.sessions[key]
            session.revoke(reason, now)
            self._t.sessions[key] = session
        return len(live)


class MemoryPasswordTokens(PasswordTokenRepository):
    def __init__(self, tables: Draft) -> None:
        self._t = tables

    def add(self, token: PasswordToken) -> None:
        self._t.password_tokens[token.id] = token

    def get_by_hash(self, token_hash: str) -> PasswordToken | None:
        return _first(self._t.password_tokens, (k for k, t in self._t.password_tokens.items()
                                                if t.token_hash == token_hash))

    def update(self, token: PasswordToken) -> None:
        self._t.password_tokens[token.id] = token


class MemoryApiKeys(TenantScoped, ApiKeyRepository):
    def add(self, key: ApiKey) -> None:
        if not self._visible(key.org_id):
            raise TenantContextMissing("an API key may only be added to the bound organization")
        if key.prefix in self._t.api_key_prefixes:
            raise Conflict("API key prefix collision", code="api_key_prefix_taken")
        self._t.api_keys[(key.org_id, key.id)] = key
        self._t.api_key_prefixes[key.prefix] = key.org_id

    def locate(self, prefix: str) -> uuid.UUID | None:
        return self._t.api_key_prefixes.peek(prefix)

    def get(self, org_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        return self._t.api_keys.get((org_id, key_id)) if self._visible(org_id) else None

    def get_by_prefix(self, org_id: uuid.UUID, prefix: str) -> ApiKey | None:
        return _first(self._t.api_keys, (k for k, key in self._rows(org_id) if key.prefix == prefix))

    def list(self, org_id: uuid.UUID) -> list[ApiKey]:
        return [self._t.api_keys[k] for k, _ in self._rows(org_id)]

    def _rows(self, org_id: uuid.UUID) -> list[tuple[tuple[uuid.UUID, uuid.UUID], ApiKey]]:
        if not self._visible(org_id):
            return []
        found = [(k, key) for k, key in self._t.api_keys.items() if k[0] == org_id]
        return sorted(found, key=lambda row: (row[1].created_at, row[1].id))

    def update(self, key: ApiKey) -> None:
        row = (key.org_id, key.id)
        if self._visible(key.org_id) and row in self._t.api_keys:
            self._t.api_keys[row] = key

    def record_use(self, key: ApiKey) -> None:
        row = (key.org_id, key.id)
        if self._visible(key.org_id) and row in self._t.api_keys:
            stored = self._t.api_keys[row]
            stored.last_used_at = key.last_used_at
            self._t.api_keys[row] = stored


class MemoryInvitations(TenantScoped, InvitationRepository):
    def add(self, invitation: Invitation) -> None:
        if not self._visible(invitation.org_id):
            raise TenantContextMissing("an invitation may only be added to the bound organization")
        self._t.invitations[(invitation.org_id, invitation.id)] = invitation

    def get_by_hash(self, org_id: uuid.UUID, token_hash: str) -> Invitation | None:
        if not self._visible(org_id):
            return None
        return _first(self._t.invitations, (k for k, i in self._t.invitations.items()
                                            if k[0] == org_id and i.token_hash == token_hash))

    def update(self, invitation: Invitation) -> None:
        if self._visible(invitation.org_id):
            self._t.invitations[(invitation.org_id, invitation.id)] = invitation
