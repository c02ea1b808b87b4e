"""Setting a password through a single-use, expiring link; every old session ends with it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from attrs import define

from application.ports.security import PasswordHasher
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import NotFound, Unauthenticated
from domain.password import check_password
from domain.password_token import PasswordToken
from domain.user import User, normalise_email

DEFAULT_LINK_TTL = timedelta(hours=24)


@define(frozen=True)
class IssuePasswordLink:
    email: str
    actor: Actor
    ttl: timedelta = DEFAULT_LINK_TTL


@define(frozen=True)
class IssuedLink:
    email: str
    token: str
    expires_at: datetime


@define(frozen=True)
class SetPassword:
    token: str
    password: str
    ip: str | None = None
    user_agent: str | None = None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PasswordService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 hasher: PasswordHasher) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._hasher = hasher

    def issue(self, cmd: IssuePasswordLink) -> IssuedLink:
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        with self._uow_factory() as uow:
            user = uow.users.get_by_email(normalise_email(cmd.email))
            if user is None:
                raise NotFound(f"no user with email {cmd.email!r}", code="user_not_found")
            record = PasswordToken(id=self._ids.new_id(), user_id=user.id,
                                   token_hash=token_digest(token), expires_at=now + cmd.ttl,
                                   created_at=now, updated_at=now)
            uow.password_tokens.add(record)
            self._audit_everywhere(uow, user, AuditEvent(
                actor=cmd.actor, action="auth.password_link_issued", resource_type="user",
                resource_id=str(user.id), details={"expires_at": record.expires_at.isoformat()}))
            uow.commit()
        return IssuedLink(email=user.email, token=token, expires_at=record.expires_at)

    def set_password(self, cmd: SetPassword) -> None:
        now = self._clock.now()
        with self._uow_factory() as uow:
            record = uow.password_tokens.get_by_hash(token_digest(cmd.token or ""))
            user = uow.users.get(record.user_id) if record else None
            if record is None or user is None or not record.usable(now):
                raise Unauthenticated("invalid or expired link")
            check_password(cmd.password, email=user.email)
            user.password_hash = self._hasher.hash(cmd.password)
            user.updated_at = now
            uow.users.update(user)
            record.use(now)
            uow.password_tokens.update(record)
            actor = Actor(type=ActorType.USER, label=user.email, id=user.id)
            self._audit_everywhere(uow, user, AuditEvent(
                actor=actor, action="auth.password_changed", resource_type="user",
                resource_id=str(user.id), ip=cmd.ip, user_agent=cmd.user_agent),
                revoke_sessions_at=now)
            uow.commit()

    @staticmethod
    def _audit_everywhere(uow: UnitOfWork, user: User, event: AuditEvent,
                          revoke_sessions_at: datetime | None = None) -> None:
        """Write the event into every org the user belongs to (and end their sessions first)."""
        uow.bind_user(user.id)
        memberships = uow.members.memberships_of_user(user.id)
        if revoke_sessions_at is not None:
            uow.sessions.revoke_all_of_user(user.id, "password_changed", revoke_sessions_at)
        for member in memberships:
            uow.bind(member.org_id)
            uow.audit.append(member.org_id, event)
