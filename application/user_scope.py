"""Acting on one person across every org they belong to, through the user scope."""

from __future__ import annotations

import uuid

from application.ports.unit_of_work import UnitOfWork
from domain.audit import AuditEvent
from domain.user import User


def orgs_of(uow: UnitOfWork, user: User) -> list[uuid.UUID]:
    """Bind the user scope and list the user's orgs (before any tenant is bound)."""
    uow.bind_user(user.id)
    return [m.org_id for m in uow.members.memberships_of_user(user.id)]


def audit_in_each(uow: UnitOfWork, org_ids: list[uuid.UUID], event: AuditEvent) -> None:
    """Write the same event into each org's own chain, binding each in turn."""
    for org_id in org_ids:
        uow.bind(org_id)
        uow.audit.append(org_id, event)
