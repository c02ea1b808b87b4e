"""Use cases on organizations: create with a first owner, read, list, update, delete."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from attrs import define, field

from application.people import find_or_create_user
from application.permissions import Permission
from application.ports.read_models import MemberCursor
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import Caller, Principal, enter
from application.summaries import OrganizationSummary
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Conflict, Forbidden
from domain.member import Member, Role
from domain.organization import Organization, Plan
from domain.settings import REQUIRE_TWO_FACTOR, REQUIRE_VERIFIED_EMAIL, turned_on
from domain.slug import normalise_slug
from domain.user import User


@define(frozen=True)
class CreateOrganization:
    name: str
    slug: str
    owner_email: str
    actor: Actor
    owner_name: str | None = None
    plan: str = Plan.FREE
    settings: dict[str, Any] = field(factory=dict)


@define(frozen=True)
class GetOrganization:
    slug: str
    actor: Caller


@define(frozen=True)
class ListOrganizations:
    actor: Actor
    include_deleted: bool = False


@define(frozen=True)
class UpdateOrganization:
    slug: str
    actor: Caller
    name: str | None = None
    settings: dict[str, Any] | None = None


@define(frozen=True)
class DeleteOrganization:
    slug: str
    actor: Caller


class OrganizationService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids

    def create(self, cmd: CreateOrganization) -> OrganizationSummary:
        with self._uow_factory() as uow:
            org, _ = self.create_in(uow, cmd)
            uow.commit()
        return OrganizationSummary.of(org)

    def create_in(self, uow: UnitOfWork, cmd: CreateOrganization) -> tuple[Organization, User]:
        """Create the org, its owner (found or made) and their audit entries in `uow`."""
        now = self._clock.now()
        org = Organization.create(id=self._ids.new_id(), name=cmd.name,
                                  slug=normalise_slug(cmd.slug), now=now,
                                  plan=cmd.plan, settings=cmd.settings)
        owner, _ = find_or_create_user(uow, self._ids, cmd.owner_email, cmd.owner_name, now)
        uow.orgs.add(org)
        uow.bind(org.id)
        member = Member(org_id=org.id, id=self._ids.new_id(), user_id=owner.id,
                        role=Role.OWNER, created_at=now, updated_at=now)
        uow.members.add(member)
        uow.audit.append(org.id, AuditEvent(
            actor=cmd.actor, action="org.created", resource_type="org",
            resource_id=str(org.id),
            details={"name": org.name, "slug": org.slug, "plan": str(org.plan)}))
        uow.audit.append(org.id, AuditEvent(
            actor=cmd.actor, action="member.added", resource_type="member",
            resource_id=str(member.id),
            details={"user_id": str(owner.id), "email": owner.email, "role": "owner"}))
        return org, owner

    def get(self, cmd: GetOrganization) -> OrganizationSummary:
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.READ_ORG, slug=cmd.slug,
                              now=self._clock.now())
            uow.commit()  # keeps an API key's last use, if enter() noted one
            return OrganizationSummary.of(principal.org)

    def list(self, cmd: ListOrganizations) -> list[OrganizationSummary]:
        if cmd.actor.type is not ActorType.OPERATOR:
            raise Forbidden("only operators may list every organization", code="forbidden")
        with self._uow_factory() as uow:
            return [OrganizationSummary.of(org)
                    for org in uow.orgs.list(include_deleted=cmd.include_deleted)]

    def update(self, cmd: UpdateOrganization) -> OrganizationSummary:
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.UPDATE_ORG, slug=cmd.slug, now=now,
                              lock_org=True)
            org = principal.org
            changes: dict[str, Any] = {}
            if cmd.name is not None and cmd.name != org.name:
                changes["name"] = {"from": org.name}
                org.rename(cmd.name, now)
                changes["name"]["to"] = org.name
            if cmd.settings is not None:
                before = dict(org.settings)
                org.replace_settings({**org.settings, **cmd.settings}, now)
                changed = sorted(k for k in org.settings if before.get(k) != org.settings[k])
                if changed:
                    changes["settings"] = changed
                if SECURITY_POLICIES.intersection(changed):
                    _may_set_security_policies(uow, principal)
                if REQUIRE_TWO_FACTOR in changed and turned_on(org.settings, REQUIRE_TWO_FACTOR):
                    changes["sessions_ended"] = _end_sessions_without_two_factor(uow, org.id, now)
            if changes:
                uow.orgs.update(org)
                uow.audit.append(org.id, AuditEvent(
                    actor=principal.actor, action="org.updated", resource_type="org",
                    resource_id=str(org.id), details=changes))
            uow.commit()
            return OrganizationSummary.of(org)

    def delete(self, cmd: DeleteOrganization) -> OrganizationSummary:
        """Soft-delete an org that holds nothing but its owners and its audit trail."""
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.DELETE_ORG, slug=cmd.slug,
                              now=self._clock.now(), lock_org=True)
            org = principal.org
            blocking = uow.tenant_data.blocking_dependencies(org.id)
            if blocking:
                listed = ", ".join(f"{kind} ({count})" for kind, count in sorted(blocking.items()))
                raise Conflict(f"organization {org.slug!r} still has dependent data: {listed}",
                               code="org_has_dependencies", dependencies=blocking)
            now = self._clock.now()
            org.mark_deleted(now)
            uow.orgs.update(org)
            ended = _end_credentials(uow, org.id, now)
            uow.audit.append(org.id, AuditEvent(
                actor=principal.actor, action="org.deleted", resource_type="org",
                resource_id=str(org.id), details={"slug": org.slug, **ended}))
            uow.commit()
            return OrganizationSummary.of(org)


SECURITY_POLICIES = frozenset({REQUIRE_TWO_FACTOR, REQUIRE_VERIFIED_EMAIL})


def _may_set_security_policies(uow: UnitOfWork, principal: Principal) -> None:
    """What the org demands of its members is an owner's call, made in person (an operator may
    too): not an admin's, not an API key's. Requiring two-factor sign-in takes having it on."""
    if principal.actor.type is ActorType.OPERATOR:
        return
    if principal.actor.type is not ActorType.USER:
        raise Forbidden("only an owner, signed in, changes what the org requires of its "
                        "members; an API key cannot", code="session_required")
    principal.require(Permission.MANAGE_OWNERS)
    if turned_on(principal.org.settings, REQUIRE_TWO_FACTOR):
        factor = uow.two_factor.get(principal.user_id)
        if factor is None or not factor.confirmed:
            raise Conflict("turn on two-factor sign-in for yourself first "
                           "(POST /api/v1/me/two-factor)", code="two_factor_required")


def _end_credentials(uow: UnitOfWork, org_id: uuid.UUID, now: datetime) -> dict[str, int]:
    """A deleted org keeps its data, not its ways in: its owners' sessions and keys and their
    open invitations end, so that a restore brings back nobody signed in and no live key."""
    ended = {"sessions_ended": 0, "api_keys_revoked": 0, "invitations_ended": 0}
    for owner in uow.directory.page(org_id, after=None, limit=1_000):
        ended["sessions_ended"] += uow.sessions.revoke_all_in_org(org_id, owner.user_id,
                                                                  "org_deleted", now)
        ended["api_keys_revoked"] += uow.api_keys.revoke_created_by(org_id, owner.user_id, now)
        ended["invitations_ended"] += uow.invitations.expire_sent_by(org_id, owner.user_id, now)
    return ended


def _end_sessions_without_two_factor(uow: UnitOfWork, org_id: uuid.UUID, now: datetime) -> int:
    """The org now requires two-factor sign-in: the sessions of its members without it end
    (they set it up at their next sign-in)."""
    ended, after = 0, None
    while page := uow.directory.page(org_id, after=after, limit=500):
        for member in page:
            factor = uow.two_factor.get(member.user_id)
            if factor is None or not factor.confirmed:
                ended += uow.sessions.revoke_all_in_org(org_id, member.user_id,
                                                        "two_factor_required", now)
        after = MemberCursor(created_at=page[-1].created_at, id=page[-1].id)
    return ended
