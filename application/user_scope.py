"""Acting on one person across every org they belong to, through the user scope."""

from __future__ import annotations

import uuid
from datetime import datetime

from application.ports.unit_of_work import UnitOfWork
from domain.audit import AuditEvent
from domain.email_token import EmailPurpose
from domain.user import User


def orgs_of(uow: UnitOfWork, user: User) -> list[uuid.UUID]:
    """Bind the user scope and list the user's orgs (before any tenant is bound)."""
    uow.bind_user(user.id)
    return [m.org_id for m in uow.members.memberships_of_user(user.id)]


def end_pending_links(uow: UnitOfWork, user: User, now: datetime) -> None:
    """A person's password or address changed: the links that act on the account (setting a
    password, moving it to another address) end unused, whoever holds them. Global rows: call
    before any tenant is bound (Citus: see application.account)."""
    uow.password_tokens.expire_unused_of(user.id, now)
    uow.email_tokens.expire_unused_of(user.id, now, EmailPurpose.CHANGE)


def audit_in_each(uow: UnitOfWork, org_ids: list[uuid.UUID], event: AuditEvent) -> None:
    """Write the same event into each org's own chain, binding each in turn."""
    for org_id in org_ids:
        uow.bind(org_id)
        uow.audit.append(org_id, event)


def end_sessions_everywhere(uow: UnitOfWork, user: User, org_ids: list[uuid.UUID], reason: str,
                            now: datetime, *, keep: uuid.UUID | None = None) -> int:
    """End the person's sessions in each of their orgs, but `keep`; how many ended. In each org
    their membership is locked first, the lock a sign-in there holds while it opens a session:
    a sign-in in flight finishes first and its session is ended here, or waits and then sees
    what this transaction changed (a password, a status) and opens none."""
    ended = 0
    for org_id in org_ids:
        uow.bind(org_id)
        uow.members.hold(org_id, user.id, exclusive=True)
        ended += uow.sessions.revoke_all_in_org(org_id, user.id, reason, now, keep=keep)
    return ended
