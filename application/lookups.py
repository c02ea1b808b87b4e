"""Lookups shared by the use cases: an org by slug, a member by id or email."""

from __future__ import annotations

import uuid

from application.ports.unit_of_work import UnitOfWork
from domain.audit import Actor
from domain.errors import NotFound
from domain.member import Member
from domain.organization import Organization, OrgStatus
from domain.slug import slug_problem
from domain.user import User


def live_org(uow: UnitOfWork, slug: str, actor: Actor | None = None) -> Organization:
    """The org with this slug unless deleted, with the unit of work bound to it.

    A credential issued for another org gets NotFound before anything is bound, so the
    tenant of the transaction is always the credential's.
    """
    normalised = (slug or "").strip().lower()
    org = None if slug_problem(normalised) else uow.orgs.get_by_slug(normalised)
    foreign = actor is not None and actor.org_id is not None and org is not None \
        and actor.org_id != org.id
    if org is None or org.status is OrgStatus.DELETED or foreign:
        raise NotFound(f"organization {slug!r} not found", code="org_not_found")
    uow.bind(org.id)
    return org


def member_with_user(uow: UnitOfWork, org: Organization, ref: str) -> tuple[Member, User]:
    """Find a member by member id or by the user's email address."""
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
