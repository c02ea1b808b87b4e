"""Setting a password through a single-use, expiring link; every old session ends with it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from attrs import define

from application.errors import Unauthenticated
from application.people import user_by_email
from application.ports.security import PasswordHasher
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.user_scope import audit_in_each, orgs_of
from domain.audit import Actor, ActorType, AuditEvent
from domain.password import check_password
from domain.password_token import PasswordToken
from domain.user import User

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
            user = user_by_email(uow, cmd.email)
            record = PasswordToken(id=self._ids.new_id(), user_id=user.id,
                                   token_hash=token_digest(token), expires_at=now + cmd.ttl,
                                   created_at=now, updated_at=now)
            uow.password_tokens.add(record)
            audit_in_each(uow, orgs_of(uow, user), AuditEvent(
                actor=cmd.actor, action="auth.password_link_issued", resource_type="user",
                resource_id=str(user.id), details={"expires_at": record.expires_at.isoformat()}))
            uow.commit()
        return IssuedLink(email=user.email, token=token, expires_at=record.expires_at)

    def set_password(self, cmd: SetPassword) -> None:
        now = self._clock.now()
        digest = token_digest(cmd.token or "")
        with self._uow_factory() as uow:
            _, user = _usable_link(uow, digest, now)
        check_password(cmd.password, email=user.email)
        password_hash = self._hasher.hash(cmd.password)  # with no connection held
        with self._uow_factory() as uow:
            record, user = _usable_link(uow, digest, now)
            record.use(now)
            if not uow.password_tokens.claim(record):  # used meanwhile, by a racing request
                raise Unauthenticated("invalid or expired link")
            user.set_password(password_hash, now)
            uow.users.update(user)
            org_ids = orgs_of(uow, user)
            ended = uow.sessions.revoke_all_of_user(user.id, "password_changed", now)
            audit_in_each(uow, org_ids, AuditEvent(
                actor=Actor(type=ActorType.USER, label=user.email, id=user.id),
                action="auth.password_changed", resource_type="user", resource_id=str(user.id),
                details={"sessions_ended": ended}, ip=cmd.ip, user_agent=cmd.user_agent))
            uow.commit()


def _usable_link(uow: UnitOfWork, digest: str, now: datetime) -> tuple[PasswordToken, User]:
    record = uow.password_tokens.get_by_hash(digest)
    user = uow.users.get(record.user_id) if record else None
    if record is None or user is None or not record.usable(now):
        raise Unauthenticated("invalid or expired link")
    return record, user
