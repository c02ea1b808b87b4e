"""In-memory twins of the PostgreSQL repositories, including the tenant-context rule."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

from adapters.memory.store import Tables
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


class MemoryOrganizations(OrganizationRepository):
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, org: Organization) -> None:
        if any(o.slug.lower() == org.slug.lower() for o in self._t.orgs.values()):
            raise Conflict(f"slug {org.slug!r} is already taken", code="slug_taken")
        self._t.orgs[org.id] = org

    def get(self, org_id: uuid.UUID) -> Organization | None:
        return self._t.orgs.get(org_id)

    def get_by_slug(self, slug: str) -> Organization | None:
        return next((o for o in self._t.orgs.values() if o.slug.lower() == slug.lower()), None)

    def list(self, *, include_deleted: bool = False) -> list[Organization]:
        orgs = sorted(self._t.orgs.values(), key=lambda o: o.slug)
        return [o for o in orgs if include_deleted or o.status is not OrgStatus.DELETED]

    def update(self, org: Organization) -> None:
        self._t.orgs[org.id] = org


class MemoryUsers(UserRepository):
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, user: User) -> None:
        if self.get_by_email(user.email) is not None:
            raise Conflict(f"a user with email {user.email!r} exists", code="email_taken")
        self._t.users[user.id] = user

    def get(self, user_id: uuid.UUID) -> User | None:
        return self._t.users.get(user_id)

    def get_by_email(self, email: str) -> User | None:
        return next((u for u in self._t.users.values() if u.email == email.lower()), None)

    def get_many(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
        return {i: self._t.users[i] for i in user_ids if i in self._t.users}

    def update(self, user: User) -> None:
        if user.id in self._t.users:
            self._t.users[user.id] = user


class TenantScoped:
    """Refuses to work with no org bound and sees only the bound org, as RLS does.

    In a user scope (bound to a user, not an org) tenant rows are invisible, not an error.
    """

    def __init__(self, tables: Tables, bound_org: BoundOrg, bound_user: BoundUser) -> None:
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


class MemoryMembers(TenantScoped, MemberRepository):
    def add(self, member: Member) -> None:
        if not self._visible(member.org_id):
            raise TenantContextMissing("a member may only be added to the bound organization")
        if self.get_by_user(member.org_id, member.user_id) is not None:
            raise Conflict("the user is already a member", code="already_member")
        self._t.members[(member.org_id, member.id)] = member

    def get(self, org_id: uuid.UUID, member_id: uuid.UUID) -> Member | None:
        return self._t.members.get((org_id, member_id)) if self._visible(org_id) else None

    def get_by_user(self, org_id: uuid.UUID, user_id: uuid.UUID) -> Member | None:
        return next((m for m in self.list(org_id) if m.user_id == user_id), None)

    def list(self, org_id: uuid.UUID) -> list[Member]:
        if not self._visible(org_id):
            return []
        found = [m for (oid, _), m in self._t.members.items() if oid == org_id]
        return sorted(found, key=lambda m: (m.created_at, m.id))

    def update(self, member: Member) -> None:
        if self.get(member.org_id, member.id) is not None:
            self._t.members[(member.org_id, member.id)] = member

    def remove(self, org_id: uuid.UUID, member_id: uuid.UUID) -> None:
        if not self._visible(org_id):
            return
        for member in self.list(org_id):
            if member.invited_by == member_id:
                member.invited_by = None
        self._t.members.pop((org_id, member_id), None)

    def memberships_of_user(self, user_id: uuid.UUID) -> list[Member]:
        bound_org, bound_user = self._bound_org(), self._bound_user()
        if bound_org is None and bound_user is None:
            raise TenantContextMissing("tenant context missing: bind the user first")
        found = [m for m in self._t.members.values() if m.user_id == user_id
                 and (m.org_id == bound_org if bound_org else m.user_id == bound_user)]
        return sorted(found, key=lambda m: (m.created_at, m.id))

    def lock_owners(self, org_id: uuid.UUID) -> int:
        return sum(1 for m in self.list(org_id) if m.role is Role.OWNER)


class MemoryAuditLog(TenantScoped, AuditLog):
    def __init__(self, tables: Tables, bound_org: BoundOrg, bound_user: BoundUser, clock: Clock,
                 ids: IdGenerator) -> None:
        super().__init__(tables, bound_org, bound_user)
        self._clock = clock
        self._ids = ids

    def append(self, org_id: uuid.UUID, event: AuditEvent) -> AuditEntry:
        if not self._visible(org_id):
            raise TenantContextMissing("audit entries may only be written to the bound organization")
        chain = self._t.audit.setdefault(org_id, [])
        entry = AuditEntry.chained(event, org_id=org_id, id=self._ids.new_id(),
                                   now=self._clock.now(), previous=chain[-1] if chain else None)
        chain.append(entry)
        return entry

    def entries(self, org_id: uuid.UUID) -> Iterator[AuditEntry]:
        return iter(list(self._t.audit.get(org_id, [])) if self._visible(org_id) else [])

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
        if self.get(session.org_id, session.id) is not None:
            self._t.sessions[(session.org_id, session.id)] = session

    def revoke_all_of_user(self, user_id: uuid.UUID, reason: str, now: datetime) -> int:
        if self._bound_user() != user_id or self._bound_org() is not None:
            raise TenantContextMissing("ending a user's sessions needs that user's scope")
        live = [s for s in self._t.sessions.values() if s.user_id == user_id and s.is_active(now)]
        for session in live:
            session.revoke(reason, now)
        return len(live)


class MemoryPasswordTokens(PasswordTokenRepository):
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, token: PasswordToken) -> None:
        self._t.password_tokens[token.id] = token

    def get_by_hash(self, token_hash: str) -> PasswordToken | None:
        return next((t for t in self._t.password_tokens.values() if t.token_hash == token_hash), None)

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
        return self._t.api_key_prefixes.get(prefix)

    def get(self, org_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        return self._t.api_keys.get((org_id, key_id)) if self._visible(org_id) else None

    def get_by_prefix(self, org_id: uuid.UUID, prefix: str) -> ApiKey | None:
        return next((k for k in self.list(org_id) if k.prefix == prefix), None)

    def list(self, org_id: uuid.UUID) -> list[ApiKey]:
        if not self._visible(org_id):
            return []
        found = [k for (oid, _), k in self._t.api_keys.items() if oid == org_id]
        return sorted(found, key=lambda k: (k.created_at, k.id))

    def update(self, key: ApiKey) -> None:
        if self.get(key.org_id, key.id) is not None:
            self._t.api_keys[(key.org_id, key.id)] = key

    record_use = update


class MemoryInvitations(TenantScoped, InvitationRepository):
    def add(self, invitation: Invitation) -> None:
        if not self._visible(invitation.org_id):
            raise TenantContextMissing("an invitation may only be added to the bound organization")
        self._t.invitations[(invitation.org_id, invitation.id)] = invitation

    def get_by_hash(self, org_id: uuid.UUID, token_hash: str) -> Invitation | None:
        if not self._visible(org_id):
            return None
        return next((i for (oid, _), i in self._t.invitations.items()
                     if oid == org_id and i.token_hash == token_hash), None)

    def update(self, invitation: Invitation) -> None:
        if self._visible(invitation.org_id):
            self._t.invitations[(invitation.org_id, invitation.id)] = invitation
