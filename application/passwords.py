"""Setting a password through a single-use, expiring link; every old session ends with it. A
link comes from an operator (`user reset-password`) or from the person, by asking for one by
email ("forgot password"): the newest link replaces any older unused one."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from attrs import define

from application import messages
from application.errors import TooManyAttempts, Unauthenticated
from application.jobs import RESET_LINK, defer_alone
from application.people import user_by_email
from application.ports.mailer import Mailer
from application.ports.security import AttemptThrottle, PasswordHasher
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.user_scope import (
    audit_in_each,
    end_pending_links,
    end_sessions_everywhere,
    orgs_of,
)
from domain.audit import Actor, ActorType, AuditEvent
from domain.password import check_password
from domain.password_token import PasswordToken
from domain.user import User, UserStatus, normalise_email

DEFAULT_LINK_TTL = timedelta(hours=24)
REQUESTED_LINK_TTL = timedelta(hours=1)  # a link a person asked for by email
FORGOT_ANSWER = "if an account uses this address, a link to set its password is on its way"


@define(frozen=True)
class ForgotPassword:
    email: str
    ip: str | None = None
    user_agent: str | None = None


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
                 hasher: PasswordHasher, mailer: Mailer, public_url: str,
                 throttle: AttemptThrottle) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._hasher = hasher
        self._mailer = mailer
        self._public_url = public_url
        self._throttle = throttle

    def issue(self, cmd: IssuePasswordLink) -> IssuedLink:
        with self._uow_factory() as uow:
            user = user_by_email(uow, cmd.email)
            issued = self._issue_in(uow, user, cmd.actor, cmd.ttl, {})
            uow.commit()
        return issued

    def welcome(self, cmd: IssuePasswordLink) -> IssuedLink | None:
        """For a person an operator added: when they have no password yet, a link to set one,
        mailed to them (and returned, for the operator to pass on); None when they have one."""
        with self._uow_factory() as uow:
            user = user_by_email(uow, cmd.email)
            if user.password_hash:
                return None
            issued = self._issue_in(uow, user, cmd.actor, cmd.ttl, {"welcome": True})
            uow.commit()
        self._mail(issued)
        return issued

    def forgot(self, cmd: ForgotPassword) -> None:
        """One answer whether or not the address has an account, and in the same time: past the
        caps (per address and per client), the lookup, the link and the mail happen after the
        answer, in a job that carries the address and never a token."""
        email = normalise_email(cmd.email)  # an address of the wrong form is a 422, as anywhere
        retry_after = self._throttle.reserve(email, cmd.ip)
        if retry_after is not None:
            raise TooManyAttempts("too many password links asked for; try again later",
                                  retry_after=retry_after)
        defer_alone(self._uow_factory, RESET_LINK, email=email, ip=cmd.ip,
                    user_agent=cmd.user_agent)

    def mail_link(self, email: str, ip: str | None = None, user_agent: str | None = None) -> None:
        """The job of `forgot`: a new link (replacing any unused one), made and mailed here."""
        with self._uow_factory() as uow:
            user = uow.users.get_by_email(email)
            if user is None or user.status is not UserStatus.ACTIVE:
                return  # nothing is sent, and nothing says so
            actor = Actor(type=ActorType.USER, label=user.email, id=user.id)
            issued = self._issue_in(uow, user, actor, REQUESTED_LINK_TTL,
                                    {"asked_from": ip, "user_agent": user_agent})
            uow.commit()
        self._mail(issued)

    def _mail(self, issued: IssuedLink) -> None:
        """After the commit: a link that is mailed is one that works."""
        self._mailer.send(messages.password_link(to=issued.email, token=issued.token,
                                                 expires_at=issued.expires_at,
                                                 public_url=self._public_url))

    def _issue_in(self, uow: UnitOfWork, user: User, actor: Actor, ttl: timedelta,
                  details: dict) -> IssuedLink:
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        replaced = uow.password_tokens.expire_unused_of(user.id, now)
        record = PasswordToken(id=self._ids.new_id(), user_id=user.id,
                               token_hash=token_digest(token), expires_at=now + ttl,
                               created_at=now, updated_at=now)
        uow.password_tokens.add(record)
        audit_in_each(uow, orgs_of(uow, user), AuditEvent(
            actor=actor, action="auth.password_link_issued", resource_type="user",
            resource_id=str(user.id),
            details={"expires_at": record.expires_at.isoformat(), "links_replaced": replaced,
                     **{k: v for k, v in details.items() if v}}))
        return IssuedLink(email=user.email, token=token, expires_at=record.expires_at)

    def set_password(self, cmd: SetPassword) -> None:
        now = self._clock.now()
        digest = token_digest(cmd.token or "")
        with self._uow_factory() as uow:
            _, user = _usable_link(uow, digest, now)
        check_password(cmd.password, email=user.email)
        password_hash = self._hasher.hash(cmd.password)  # with no connection held
        now = self._clock.now()  # again: the claim must see a newer link made while hashing
        with self._uow_factory() as uow:
            record, user = _usable_link(uow, digest, now)
            record.use(now)
            if not uow.password_tokens.claim(record):  # used meanwhile, by a racing request
                raise Unauthenticated("invalid or expired link")
            user.set_password(password_hash, now)
            uow.users.update(user)
            end_pending_links(uow, user, now)
            org_ids = orgs_of(uow, user)
            ended = end_sessions_everywhere(uow, user, org_ids, "password_changed", now)
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
