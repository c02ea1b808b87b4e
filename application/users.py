"""Operator actions on people: disabling one ends every session at once (OWASP ASVS V7.4)."""

from __future__ import annotations

from attrs import define

from application.people import user_by_email
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.user_scope import audit_in_each, end_sessions_everywhere, orgs_of
from domain.audit import Actor, AuditEvent
from domain.user import UserStatus


@define(frozen=True)
class SetUserStatus:
    email: str
    status: str
    actor: Actor


class UserService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def set_status(self, cmd: SetUserStatus) -> int:
        """Returns how many live sessions were ended."""
        status, now = UserStatus(cmd.status), self._clock.now()
        with self._uow_factory() as uow:
            user = user_by_email(uow, cmd.email)
            user.set_status(status, now)
            uow.users.update(user)
            org_ids = orgs_of(uow, user)
            disabling = status is UserStatus.DISABLED
            ended = (end_sessions_everywhere(uow, user, org_ids, "user_disabled", now)
                     if disabling else 0)
            audit_in_each(uow, org_ids, AuditEvent(
                actor=cmd.actor, action="user.disabled" if disabling else "user.enabled",
                resource_type="user", resource_id=str(user.id),
                details={"email": user.email, "sessions_ended": ended}))
            uow.commit()
            return ended
