"""Use cases on memberships: add, list, read, change role, remove, leave. Every org keeps an
owner."""

from __future__ import annotations

import uuid
from datetime import datetime

import attrs
from attrs import define

from application.cursors import decode_position, encode_position
from application.people import find_or_create_user
from application.permissions import Permission
from application.ports.read_models import MemberCursor, MemberSummary
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import Caller, Principal, SessionCredential, enter, require_confirmed_address
from application.quotas import enforce
from domain.audit import AuditEvent
from domain.errors import Conflict, InvalidInput, NotFound
from domain.member import Member, Role, parse_role
from domain.quota import Limit
from domain.user import User

MAX_PAGE = 200


@define(frozen=True)
class AddMember:
    slug: str
    email: str
    role: str
    actor: Caller
    full_name: str | None = None


@define(frozen=True)
class ListMembers:
    slug: str
    actor: Caller
    cursor: str | None = None
    limit: int = MAX_PAGE


@define(frozen=True)
class MemberPage:
    members: list[MemberSummary]
    next_cursor: str | None


@define(frozen=True)
class GetMember:
    slug: str
    member: str
    actor: Caller


@define(frozen=True)
class ChangeRole:
    slug: str
    member: str
    role: str
    actor: Caller


@define(frozen=True)
class RemoveMember:
    slug: str
    member: str
    actor: Caller


@define(frozen=True)
class LeaveOrganization:
    slug: str
    actor: SessionCredential


def permission_to_touch(*roles: Role) -> Permission:
    """Owners are changed, made or removed only by owners; admins only by a person (an owner or
    an admin, never an API key); members and viewers by anyone who manages members."""
    if Role.OWNER in roles:
        return Permission.MANAGE_OWNERS
    return Permission.MANAGE_ADMINS if Role.ADMIN in roles else Permission.MANAGE_MEMBERS


def _as_seen_by(principal, member: MemberSummary) -> MemberSummary:
    """When someone last signed in is activity the audit log records: shown to those who may
    read it, and to each person about themselves."""
    if member.last_sign_in_at is None or member.user_id == principal.user_id or \
            principal.may(Permission.READ_AUDIT):
        return member
    return attrs.evolve(member, last_sign_in_at=None)


def summary(member: Member, user: User) -> MemberSummary:
    return MemberSummary(id=member.id, org_id=member.org_id, user_id=user.id, email=user.email,
                         full_name=user.full_name, role=str(member.role),
                         created_at=member.created_at, last_sign_in_at=member.last_sign_in_at)


class MemberService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids

    def add(self, cmd: AddMember) -> MemberSummary:
        role = parse_role(cmd.role)
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, permission_to_touch(role), slug=cmd.slug, now=now)
            require_confirmed_address(uow, principal)
            org = principal.org
            user, made = find_or_create_user(uow, self._ids, cmd.email, cmd.full_name, now)
            if not made and uow.members.get_by_user(org.id, user.id) is not None:
                raise Conflict(f"{user.email} is already a member of {org.slug!r}",
                               code="already_member")
            enforce(uow, org.id, Limit.MEMBERS, now)
            member = Member(org_id=org.id, id=self._ids.new_id(), user_id=user.id, role=role,
                            created_at=now, updated_at=now, invited_by=principal.member_id)
            uow.members.add(member)
            uow.audit.append(org.id, AuditEvent(
                actor=principal.actor, action="member.added", resource_type="member",
                resource_id=str(member.id),
                details={"user_id": str(user.id), "email": user.email, "role": str(role)}))
            uow.commit()
            return summary(member, user)

    def list(self, cmd: ListMembers) -> MemberPage:
        if not 1 <= cmd.limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", code="invalid_limit",
                               errors={"limit": [f"must be between 1 and {MAX_PAGE}"]})
        after = _after(cmd.cursor)
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.READ_ORG, slug=cmd.slug,
                              now=self._clock.now())
            found = uow.directory.page(principal.org.id, after=after, limit=cmd.limit + 1)
            uow.commit()  # keeps an API key's last use, if enter() noted one
        page = [_as_seen_by(principal, member) for member in found[:cmd.limit]]
        more = len(found) > cmd.limit
        last = page[-1] if more else None
        return MemberPage(members=page, next_cursor=encode_position(
            "member", last.created_at, last.id) if last else None)

    def every(self, slug: str, actor: Caller) -> list[MemberSummary]:
        """All members, page after page (for operators and scripts)."""
        found: list[MemberSummary] = []
        cursor = None
        while True:
            page = self.list(ListMembers(slug=slug, actor=actor, cursor=cursor))
            found += page.members
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    def get(self, cmd: GetMember) -> MemberSummary:
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.READ_ORG, slug=cmd.slug,
                              now=self._clock.now())
            found = summary(*_member_with_user(uow, principal, cmd.member))
            uow.commit()
            return _as_seen_by(principal, found)

    def change_role(self, cmd: ChangeRole) -> MemberSummary:
        role = parse_role(cmd.role)
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, None, slug=cmd.slug, now=now)
            require_confirmed_address(uow, principal)
            owners = uow.members.lock_owners(principal.org.id)  # first: see _member_with_user
            member, user = _member_with_user(uow, principal, cmd.member)
            principal.require(permission_to_touch(member.role, role))
            if member.role is role:
                return summary(member, user)
            previous = member.role
            member.change_role(role, now, owners=owners)
            uow.members.update(member)
            # Tokens, API keys and invitations made under the old role end with it: the person
            # signs in again and makes new ones (none must come back with a later promotion).
            ended = uow.sessions.revoke_all_in_org(member.org_id, user.id, "role_changed", now)
            keys = uow.api_keys.revoke_created_by(member.org_id, user.id, now)
            invitations = uow.invitations.expire_sent_by(member.org_id, user.id, now)
            uow.audit.append(member.org_id, AuditEvent(
                actor=principal.actor, action="member.role_changed", resource_type="member",
                resource_id=str(member.id),
                details={"email": user.email, "from": str(previous), "to": str(role),
                         "sessions_ended": ended, "api_keys_revoked": keys,
                         "invitations_ended": invitations}))
            uow.commit()
            return summary(member, user)

    def remove(self, cmd: RemoveMember) -> MemberSummary:
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, None, slug=cmd.slug, now=now)
            owners = uow.members.lock_owners(principal.org.id)  # first: see _member_with_user
            member, user = _member_with_user(uow, principal, cmd.member)
            principal.require(permission_to_touch(member.role))
            _end_membership(uow, principal, member, user, owners, now,
                            action="member.removed", reason="member_removed")
            uow.commit()
            return summary(member, user)

    def leave(self, cmd: LeaveOrganization) -> MemberSummary:
        """A person leaves an org of theirs (the last owner cannot): their sessions there, the
        API keys they made and the invitations they sent end with it, as on a removal."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, None, slug=cmd.slug, now=now)
            owners = uow.members.lock_owners(principal.org.id)
            member, user = _member_with_user(uow, principal, str(principal.member_id))
            _end_membership(uow, principal, member, user, owners, now,
                            action="member.left", reason="member_left")
            uow.commit()
            return summary(member, user)


def _end_membership(uow: UnitOfWork, principal: Principal, member: Member, user: User,
                    owners: int, now: datetime, *, action: str, reason: str) -> None:
    """Remove the member for good: were they added again, their old tokens, keys and
    invitations must not come back to life."""
    if member.role is Role.OWNER:
        member.ensure_an_owner_remains(becoming=None, owners=owners)
    uow.members.remove(member.org_id, member.id)
    ended = uow.sessions.revoke_all_in_org(member.org_id, user.id, reason, now)
    keys = uow.api_keys.revoke_created_by(member.org_id, user.id, now)
    invitations = uow.invitations.expire_sent_by(member.org_id, user.id, now)
    uow.audit.append(member.org_id, AuditEvent(
        actor=principal.actor, action=action, resource_type="member", resource_id=str(member.id),
        details={"user_id": str(user.id), "email": user.email, "role": str(member.role),
                 "sessions_ended": ended, "api_keys_revoked": keys,
                 "invitations_ended": invitations}))


def _member_with_user(uow: UnitOfWork, principal: Principal, ref: str) -> tuple[Member, User]:
    """A member of the principal's org by member id or by the person's email address.

    Role changes and removals call it after locking the org's owners, so two of them in one org
    take turns: the second reads the member as the first left it (a promotion to owner, a
    removal), and its permission check and audit entry see that, not a stale role."""
    org = principal.org
    member = None
    try:
        member = uow.members.get(org.id, uuid.UUID(str(ref)))
    except ValueError:
        user = uow.users.get_by_email(str(ref).strip().lower())
        if user is not None:
            member = uow.members.get_by_user(org.id, user.id)
    user = uow.users.get(member.user_id) if member else None
    if member is None or user is None:
        raise NotFound(f"no member {ref!r} in organization {org.slug!r}", code="member_not_found")
    return member, user



def _after(cursor: str | None) -> MemberCursor | None:
    position = decode_position(cursor, "member")
    return MemberCursor(*position) if position else None
