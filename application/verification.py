"""Proving an email address: a link mailed to it, used once. Sign-up sends one (after the
answer, on deferred work); a signed-in person may ask again, a few times an hour. An accepted
invitation proves its address too, since the token came by mail to it."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from application import messages
from application.errors import TooManyAttempts, Unauthenticated
from application.ports.deferred import Deferred
from application.ports.mailer import Mailer
from application.ports.security import AttemptThrottle
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principals import SessionCredential, enter
from application.user_scope import audit_in_each, orgs_of
from domain.audit import Actor, ActorType, AuditEvent
from domain.email_token import EmailToken
from domain.errors import Conflict

VERIFICATION_TTL = timedelta(days=2)
INVALID_LINK = "invalid or expired link"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class VerificationService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 mailer: Mailer, public_url: str, deferred: Deferred,
                 throttle: AttemptThrottle) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._mailer = mailer
        self._public_url = public_url.rstrip("/")
        self._deferred = deferred
        self._throttle = throttle

    def send_later(self, user_id: uuid.UUID) -> None:
        """A new link for the person's current address, mailed after the caller answers."""
        self._deferred.run(lambda: self._send(user_id), name="email_verification")

    def tell_of_signup_later(self, user_id: uuid.UUID) -> None:
        """Someone signed up with the person's address: tell them, after the caller answers."""
        self._deferred.run(lambda: self._tell_of_signup(user_id), name="signup_notice")

    def _tell_of_signup(self, user_id: uuid.UUID) -> None:
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
        self.send_later(user.id)

    def verify(self, token: str) -> None:
        """Use a link: the address it was sent to is the person's, confirmed. A link for an
        address the person no longer has, used, replaced or expired is refused alike."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            record = uow.email_tokens.get_by_hash(_digest(token or ""))
            user = uow.users.get(record.user_id) if record else None
            if record is None or user is None or not record.usable(now):
                raise Unauthenticated(INVALID_LINK)
            record.use(now)
            if not user.verify_email(record.email, now) or not uow.email_tokens.claim(record):
                raise Unauthenticated(INVALID_LINK)
            uow.users.update(user)
            audit_in_each(uow, orgs_of(uow, user), AuditEvent(
                actor=Actor(type=ActorType.USER, label=user.email, id=user.id),
                action="user.email_verified", resource_type="user", resource_id=str(user.id),
                details={"email": user.email}))
            uow.commit()

    def _send(self, user_id: uuid.UUID) -> None:
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
