"""Operator actions on people: disabling one ends every session at once (OWASP ASVS V7.4)."""

from __future__ import annotations

from attrs import define

from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import Actor, AuditEvent
from domain.errors import NotFound
from domain.user import UserStatus, normalise_email


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
            user = uow.users.get_by_email(normalise_email(cmd.email))
            if user is None:
                raise NotFound(f"no user with email {cmd.email!r}", code="user_not_found")
            user.status, user.updated_at = status, now
            uow.users.update(user)
            uow.bind_user(user.id)
            memberships = uow.members.memberships_of_user(user.id)
            ended = 0
            if status is UserStatus.DISABLED:
                ended = uow.sessions.revoke_all_of_user(user.id, "user_disabled", now)
            action = "user.disabled" if status is UserStatus.DISABLED else "user.enabled"
            for member in memberships:
                uow.bind(member.org_id)
                uow.audit.append(member.org_id, AuditEvent(
                    actor=cmd.actor, action=action,
                    resource_type="user", resource_id=str(user.id),
                    details={"email": user.email, "sessions_ended": ended}))
            uow.commit()
            return ended
