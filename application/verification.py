"""Proving an email address: a link mailed to it, used once. Sign-up sends one (after the
answer, by a job that makes the link when it runs); a signed-in person may ask again, a few
times an hour. An accepted invitation proves its address too, since the token came by mail to
it."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from attrs import define

from application import messages
from application.errors import TooManyAttempts, Unauthenticated
from application.jobs import (
    EMAIL_CHANGE,
    EMAIL_CHANGED_NOTICE,
    EMAIL_VERIFICATION,
    defer_alone,
)
from application.ports.mailer import Mailer
from application.ports.security import AttemptThrottle, PasswordHasher
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import SessionCredential, enter
from application.user_scope import audit_in_each, end_pending_links, orgs_of
from domain.audit import Actor, ActorType, AuditEvent
from domain.email_token import EmailPurpose, EmailToken
from domain.errors import Conflict, InvalidInput
from domain.user import User, normalise_email

VERIFICATION_TTL = timedelta(days=2)
INVALID_LINK = "invalid or expired link"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _usable_link(uow: UnitOfWork, token: str, purpose: EmailPurpose,
                 now: datetime) -> tuple[EmailToken, User]:
    """The link of `token` and its person, marked used as of `now` (the claim is the caller's);
    one refusal for a link unknown, used, replaced, expired or of another purpose."""
    record = uow.email_tokens.get_by_hash(_digest(token or ""))
    user = uow.users.get(record.user_id) if record else None
    if (record is None or user is None or not record.usable(now)
            or record.purpose is not purpose):
        raise Unauthenticated(INVALID_LINK)
    record.use(now)
    return record, user


@define(frozen=True)
class ChangeEmail:
    actor: SessionCredential
    new_email: str
    password: str
    ip: str | None = None


class VerificationService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 mailer: Mailer, public_url: str,
                 throttle: AttemptThrottle, hasher: PasswordHasher) -> None:
        self._hasher = hasher
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._mailer = mailer
        self._public_url = public_url.rstrip("/")
        self._throttle = throttle

    def tell_of_signup(self, user_id: uuid.UUID) -> None:
        """A job: someone signed up with the person's address; tell them."""
        with self._uow_factory() as uow:
            user = uow.users.get(user_id)
        if user is not None:
            self._mailer.send(messages.signup_notice(to=user.email, public_url=self._public_url))

    def resend(self, credential: SessionCredential, *, ip: str | None = None) -> None:
        with self._uow_factory() as uow:
            enter(uow, credential, None, now=self._clock.now())
            user = uow.users.get(credential.user_id)
        if user.email_verified:
            raise Conflict("your address is confirmed already", code="already_verified")
        retry_after = self._throttle.reserve(user.email, ip)
        if retry_after is not None:
            raise TooManyAttempts("too many confirmation mails asked for; try again later",
                                  retry_after=retry_after)
        defer_alone(self._uow_factory, EMAIL_VERIFICATION, user_id=str(user.id))

    def verify(self, token: str) -> None:
        """Use a link: the address it was sent to is the person's, confirmed. A link for an
        address the person no longer has, used, replaced or expired is refused alike."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            record, user = _usable_link(uow, token, EmailPurpose.VERIFY, now)
            if not user.verify_email(record.email, now) or not uow.email_tokens.claim(record):
                raise Unauthenticated(INVALID_LINK)
            uow.users.update(user)
            audit_in_each(uow, orgs_of(uow, user), AuditEvent(
                actor=Actor(type=ActorType.USER, label=user.email, id=user.id),
                action="user.email_verified", resource_type="user", resource_id=str(user.id),
                details={"email": user.email}))
            uow.commit()

    def request_change(self, cmd: ChangeEmail) -> None:
        """Move my account to another address: my password, then a link mailed to the new
        address (the answer is the same whether or not that address has an account; one that
        has gets no link). The old address is told once the move is made."""
        new_email = normalise_email(cmd.new_email)
        with self._uow_factory() as uow:
            enter(uow, cmd.actor, None, now=self._clock.now())
            user = uow.users.get(cmd.actor.user_id)
        retry_after = self._throttle.reserve(user.email, cmd.ip)
        if retry_after is not None:
            raise TooManyAttempts("too many address changes asked for; try again later",
                                  retry_after=retry_after)
        if not self._hasher.verify(user.password_hash or "", cmd.password):
            raise InvalidInput("the password is not right", code="wrong_password",
                               errors={"password": ["is not your current password"]})
        if new_email == user.email:
            raise InvalidInput("that is your address already", code="email_unchanged",
                               errors={"new_email": ["is your current address"]})
        defer_alone(self._uow_factory, EMAIL_CHANGE, user_id=str(user.id), new_email=new_email)

    def confirm_change(self, token: str) -> None:
        """Use a change link: the account moves to the address it was sent to, confirmed; the
        old address is told. Refused alike when used, replaced, expired or of another kind;
        409 when the address has an account by now."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            record, user = _usable_link(uow, token, EmailPurpose.CHANGE, now)
            if not uow.email_tokens.claim(record):
                raise Unauthenticated(INVALID_LINK)
            old_email = user.email
            user.change_email(record.email, now)
            uow.users.update(user)  # global rows before tenant ones (see application.account)
            end_pending_links(uow, user, now)  # a password link mailed to the old address too
            uow.email_tokens.expire_unused_of(user.id, now, EmailPurpose.VERIFY)
            audit_in_each(uow, orgs_of(uow, user), AuditEvent(
                actor=Actor(type=ActorType.USER, label=user.email, id=user.id),
                action="user.email_changed", resource_type="user", resource_id=str(user.id),
                details={"from": old_email, "to": user.email}))
            uow.jobs.defer(EMAIL_CHANGED_NOTICE, to=old_email, new_address=user.email)
            uow.commit()

    def tell_of_change(self, to: str, new_address: str) -> None:
        """A job: the old address is told where the account went."""
        self._mailer.send(messages.email_changed_notice(to=to, new_address=new_address,
                                                        public_url=self._public_url))

    def send_change_link(self, user_id: uuid.UUID, new_email: str) -> None:
        """A job: a link to move the account to `new_email`, made here (none when that address
        has an account by now)."""
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        with self._uow_factory() as uow:
            user = uow.users.get(user_id)
            if user is None or uow.users.get_by_email(new_email) is not None:
                return
            uow.email_tokens.expire_unused_of(user.id, now, EmailPurpose.CHANGE)
            record = EmailToken(id=self._ids.new_id(), user_id=user.id, email=new_email,
                                token_hash=_digest(token), expires_at=now + VERIFICATION_TTL,
                                created_at=now, updated_at=now, purpose=EmailPurpose.CHANGE)
            uow.email_tokens.add(record)
            uow.commit()
        self._mailer.send(messages.email_change(
            to=new_email, token=token, expires_at=record.expires_at, public_url=self._public_url))

    def send_link(self, user_id: uuid.UUID) -> None:
        """A job: a new link for the person's current address (none once it is confirmed)."""
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        with self._uow_factory() as uow:
            user = uow.users.get(user_id)
            if user is None or user.email_verified:
                return
            uow.email_tokens.expire_unused_of(user.id, now)
            record = EmailToken(id=self._ids.new_id(), user_id=user.id, email=user.email,
                                token_hash=_digest(token), expires_at=now + VERIFICATION_TTL,
                                created_at=now, updated_at=now)
            uow.email_tokens.add(record)
            uow.commit()
        self._mailer.send(messages.email_verification(
            to=user.email, token=token, expires_at=record.expires_at, public_url=self._public_url))
