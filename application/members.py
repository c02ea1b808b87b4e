"""Use cases on memberships: add, list, change role, remove. Every org keeps an owner."""

from __future__ import annotations

from attrs import define

from application.lookups import live_org, member_with_user
from application.permissions import Permission, authorize
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWorkFactory
from application.views import MemberView
from domain.audit import Actor, AuditEvent
from domain.errors import Conflict
from domain.member import Member, Role, ensure_an_owner_remains, parse_role
from domain.user import User, normalise_email


@define(frozen=True)
class AddMember:
    slug: str
    email: str
    role: str
    actor: Actor
    full_name: str | None = None


@define(frozen=True)
class ListMembers:
    slug: str
    actor: Actor


@define(frozen=True)
class GetMember:
    slug: str
    member: str
    actor: Actor


@define(frozen=True)
class ChangeRole:
    slug: str
    member: str
    role: str
    actor: Actor


@define(frozen=True)
class RemoveMember:
    slug: str
    member: str
    actor: Actor


def permission_to_touch(*roles: Role) -> Permission:
    """Owners are changed, made or removed only by owners."""
    return Permission.MANAGE_OWNERS if Role.OWNER in roles else Permission.MANAGE_MEMBERS


class MemberService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids

    def add(self, cmd: AddMember) -> MemberView:
        role = parse_role(cmd.role)
        email = normalise_email(cmd.email)
        now = self._clock.now()
        with self._uow_factory() as uow:
            org = live_org(uow, cmd.slug, cmd.actor)
            authorize(uow, org, cmd.actor, permission_to_touch(role))
            user = uow.users.get_by_email(email)
            if user is None:
                user = User.create(id=self._ids.new_id(), email=email,
                                   full_name=cmd.full_name or email.split("@", 1)[0], now=now)
                uow.users.add(user)
            elif uow.members.get_by_user(org.id, user.id) is not None:
                raise Conflict(f"{email} is already a member of {org.slug!r}",
                               code="already_member")
            member = Member(org_id=org.id, id=self._ids.new_id(), user_id=user.id, role=role,
                            created_at=now, updated_at=now,
                            invited_by=self._acting_member_id(uow, org.id, cmd.actor))
            uow.members.add(member)
            uow.audit.append(org.id, AuditEvent(
                actor=cmd.actor, action="member.added", resource_type="member",
                resource_id=str(member.id),
                details={"user_id": str(user.id), "email": user.email, "role": str(role)}))
            uow.commit()
            return MemberView.of(member, user)

    @staticmethod
    def _acting_member_id(uow, org_id, actor: Actor):
        if actor.id is None:
            return None
        acting = uow.members.get_by_user(org_id, actor.id)
        return acting.id if acting else None

    def list(self, cmd: ListMembers) -> list[MemberView]:
        with self._uow_factory() as uow:
            org = live_org(uow, cmd.slug, cmd.actor)
            authorize(uow, org, cmd.actor, Permission.READ_ORG)
            members = uow.members.list(org.id)
            people = uow.users.get_many([m.user_id for m in members])
            return [MemberView.of(m, people[m.user_id]) for m in members if m.user_id in people]

    def get(self, cmd: GetMember) -> MemberView:
        with self._uow_factory() as uow:
            org = live_org(uow, cmd.slug, cmd.actor)
            authorize(uow, org, cmd.actor, Permission.READ_ORG)
            return MemberView.of(*member_with_user(uow, org, cmd.member))

    def change_role(self, cmd: ChangeRole) -> MemberView:
        role = parse_role(cmd.role)
        with self._uow_factory() as uow:
            org = live_org(uow, cmd.slug, cmd.actor)
            member, user = member_with_user(uow, org, cmd.member)
            authorize(uow, org, cmd.actor, permission_to_touch(member.role, role))
            if member.role is role:
                return MemberView.of(member, user)
            previous = member.role
            member.change_role(role, self._clock.now(), owners_left=uow.members.lock_owners(org.id))
            uow.members.update(member)
            uow.audit.append(org.id, AuditEvent(
                actor=cmd.actor, action="member.role_changed", resource_type="member",
                resource_id=str(member.id),
                details={"email": user.email, "from": str(previous), "to": str(role)}))
            uow.commit()
            return MemberView.of(member, user)

    def remove(self, cmd: RemoveMember) -> MemberView:
        with self._uow_factory() as uow:
            org = live_org(uow, cmd.slug, cmd.actor)
            member, user = member_with_user(uow, org, cmd.member)
            authorize(uow, org, cmd.actor, permission_to_touch(member.role))
            if member.role is Role.OWNER:
                ensure_an_owner_remains(uow.members.lock_owners(org.id) - 1)
            uow.members.remove(org.id, member.id)
            uow.audit.append(org.id, AuditEvent(
                actor=cmd.actor, action="member.removed", resource_type="member",
                resource_id=str(member.id),
                details={"user_id": str(user.id), "email": user.email, "role": str(member.role)}))
            uow.commit()
            return MemberView.of(member, user)
