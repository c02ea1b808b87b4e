"""Signing in: login, and refresh with rotation and reuse detection.

Every outcome that matters is an audit entry committed with its effect. Failures say only
"invalid credentials", whatever went wrong, and cost the same password-hash time. No database
connection is held while a password hash is computed or checked.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from attrs import define

from application.errors import TooManyAttempts, Unauthenticated
from application.ports.read_models import Membership
from application.ports.security import AttemptThrottle, PasswordHasher, TokenService, TokenType
from application.ports.sign_in_failures import SignInFailure, email_digest
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import CREDENTIAL_INVALID, refuse_suspended
from application.summaries import OrganizationSummary
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Forbidden, InvalidInput
from domain.organization import Organization, OrgStatus
from domain.session import Session
from domain.settings import REQUIRE_TWO_FACTOR, turned_on
from domain.user import UserStatus, normalise_email

INVALID = "invalid credentials"
NOBODY = uuid.UUID(int=0)  # no person has this id

log = logging.getLogger(__name__)


@define(frozen=True)
class Login:
    email: str
    password: str
    org: str | None = None
    ip: str | None = None
    user_agent: str | None = None


@define(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    org: OrganizationSummary
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


class ChallengeKind(enum.StrEnum):
    TOTP = "totp"  # a code from the person's authenticator app, or a recovery code
    ENROL_TOTP = "enrol_totp"  # the org requires a second factor the person has not set up
    CREATE_ORG = "create_org"  # the person belongs to no organization (any more): make one


@define(frozen=True)
class Challenge:
    """A password proven, a second factor still to come: no session yet."""

    challenge_token: str
    challenge: ChallengeKind
    expires_in: int


@define(frozen=True)
class SignedIn:
    """Who a new session is for."""

    user_id: uuid.UUID
    email: str
    org: Organization
    password_hash: str | None = None  # the hash a sign-in verified: still theirs, or no session


class AuthService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 hasher: PasswordHasher, tokens: TokenService, dummy_hash: str,
                 throttle: AttemptThrottle) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._hasher = hasher
        self._tokens = tokens
        self._dummy_hash = dummy_hash
        self._throttle = throttle

    def login(self, cmd: Login) -> TokenPair | Challenge:
        retry_after = self._throttle.reserve(cmd.email, cmd.ip)
        if retry_after is not None:
            self._failed(cmd, cmd.email.strip().lower(), "throttled")
            raise TooManyAttempts("too many sign-in attempts; try again later",
                                  retry_after=retry_after)
        try:
            email = normalise_email(cmd.email)
        except InvalidInput:
            self._hasher.verify(self._dummy_hash, cmd.password)
            self._failed(cmd, cmd.email.strip().lower(), "invalid_email")
            raise Unauthenticated(INVALID) from None
        with self._uow_factory() as uow:
            user = uow.users.get_by_email(email)
            # The same reads for an unknown address (as nobody): both cost the database alike.
            reader = user.id if user is not None else NOBODY
            uow.bind_user(reader)
            memberships: list[Membership] = uow.directory.memberships_of_user(reader)
        # The connection is back in the pool while argon2 runs.
        stored = user.password_hash if user and user.password_hash else self._dummy_hash
        verified = self._hasher.verify(stored, cmd.password)  # always: an unknown address too
        if user is None or not verified or user.status is not UserStatus.ACTIVE:
            reason = ("unknown_account" if user is None else "disabled"
                      if user.status is not UserStatus.ACTIVE else "wrong_password")
            self._failed(cmd, email, reason, user_id=user.id if user else None,
                         memberships=memberships)
            raise Unauthenticated(INVALID)
        _refuse_if_only_suspended(memberships, cmd.org)
        try:
            membership = _pick(memberships, cmd.org)
        except InvalidInput:
            self._failed(cmd, email, "org_required", user_id=user.id)
            raise
        if membership is None and cmd.org is None:  # none left: they may start a new one
            self._throttle.reset(cmd.email, cmd.ip)
            return self._challenge(user.id, NOBODY, stored, ChallengeKind.CREATE_ORG)
        if membership is None:
            self._failed(cmd, email, "no_such_org", user_id=user.id)
            raise Unauthenticated(INVALID)
        self._throttle.reset(cmd.email, cmd.ip)
        new_hash = self._hasher.hash(cmd.password) if self._hasher.needs_rehash(stored) else None
        with self._uow_factory() as uow:
            outcome = self.admit(uow, SignedIn(user.id, user.email, membership.org,
                                               password_hash=stored),
                                 method="password", ip=cmd.ip, user_agent=cmd.user_agent)
            if new_hash is not None and isinstance(outcome, TokenPair):
                user.set_password(new_hash, self._clock.now())
                uow.users.update(user)
            uow.commit()
        return outcome

    def admit(self, uow: UnitOfWork, who: SignedIn, *, method: str, ip: str | None,
              user_agent: str | None) -> TokenPair | Challenge:
        """A person whose password was just proven: a session, or first a challenge for the
        second factor they have (or, when the org requires one, must set up)."""
        factor = uow.two_factor.get(who.user_id)
        kind = (ChallengeKind.TOTP if factor is not None and factor.confirmed
                else ChallengeKind.ENROL_TOTP if turned_on(who.org.settings, REQUIRE_TWO_FACTOR)
                else None)
        if kind is not None:
            return self._challenge(who.user_id, who.org.id, who.password_hash, kind)
        return self.start_session(uow, who, method=method, ip=ip, user_agent=user_agent)

    def _challenge(self, user_id: uuid.UUID, org_id: uuid.UUID, password_hash: str | None,
                   kind: ChallengeKind) -> Challenge:
        token, claims = self._tokens.issue(
            subject=user_id, org_id=org_id, session_id=self._ids.new_id(),
            type=TokenType.CHALLENGE, binding=password_binding(password_hash, kind))
        expires_in = int((claims.expires_at - claims.issued_at).total_seconds())
        return Challenge(challenge_token=token, challenge=kind, expires_in=expires_in)

    def _failed(self, cmd: Login, email: str, reason: str, *, user_id: uuid.UUID | None = None,
                memberships: Sequence[Membership] = ()) -> None:
        """Every failure goes to the platform's sign-in failure log, in one transaction whether
        or not the address is known (so both cost the same). A person's failure also goes to
        the log of an org they belong to, the one named or their only one: never to an org that
        only the caller names."""
        live = [m for m in memberships if m.org.is_active]
        named = (pick_named(live, cmd.org) if cmd.org is not None
                 else live[0] if len(live) == 1 else None)
        with self._uow_factory() as uow:
            if named is not None:
                uow.bind(named.org.id)  # first: BEGIN and SET LOCAL go out as one message
            uow.sign_in_failures.record(SignInFailure(
                id=self._ids.new_id(), created_at=self._clock.now(),
                email_digest=email_digest(email), reason=reason,
                user_id=user_id, ip=cmd.ip, user_agent=cmd.user_agent))
            if named is not None:
                uow.audit.append(named.org.id, AuditEvent(
                    actor=Actor(type=ActorType.USER, label=email), action="auth.login_failed",
                    resource_type="user", resource_id=email, ip=cmd.ip,
                    user_agent=cmd.user_agent))
            uow.commit()

    def start_session(self, uow: UnitOfWork, who: SignedIn, *, method: str, ip: str | None,
                      user_agent: str | None) -> TokenPair:
        """A new session in `uow`, for someone whose identity the caller has just proven."""
        now, org, session_id = self._clock.now(), who.org, self._ids.new_id()
        access, access_claims = self._tokens.issue(subject=who.user_id, org_id=org.id,
                                                   session_id=session_id, type=TokenType.ACCESS)
        refresh, refresh_claims = self._tokens.issue(subject=who.user_id, org_id=org.id,
                                                     session_id=session_id, type=TokenType.REFRESH)
        uow.bind(org.id)
        # The membership share-locked to commit: a password change, a disabling or a removal
        # racing this sign-in either came first (no session: the password read is no longer
        # theirs, they are disabled or gone) or waits, then ends the session with the others.
        if uow.members.hold(org.id, who.user_id) is None:
            raise Unauthenticated(INVALID)
        person = uow.users.get(who.user_id)  # read after the lock: see end_sessions_everywhere
        if (person is None or person.status is not UserStatus.ACTIVE
                or (who.password_hash is not None and person.password_hash != who.password_hash)):
            raise Unauthenticated(INVALID)
        if turned_on(org.settings, REQUIRE_TWO_FACTOR):
            factor = uow.two_factor.get(who.user_id)
            if factor is None or not factor.confirmed:
                raise Forbidden(f"{org.name} requires two-factor sign-in: turn it on first "
                                "(POST /api/v1/me/two-factor)", code="two_factor_required")
        uow.sessions.add(Session(org_id=org.id, id=session_id, user_id=who.user_id,
                                 refresh_token_id=refresh_claims.token_id,
                                 expires_at=refresh_claims.expires_at, created_at=now,
                                 updated_at=now, ip=ip, user_agent=user_agent))
        uow.audit.append(org.id, AuditEvent(
            actor=Actor(type=ActorType.USER, label=who.email, id=who.user_id),
            action="auth.login", resource_type="session", resource_id=str(session_id),
            details={"method": method}, ip=ip, user_agent=user_agent))
        uow.after_commit(partial(self._note_sign_in, org.id, who.user_id, now))
        expires_in = int((access_claims.expires_at - access_claims.issued_at).total_seconds())
        return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in,
                         org=OrganizationSummary.of(org))

    def _note_sign_in(self, org_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> None:
        """After the sign-in has committed, in a transaction that holds nothing else: a row
        lock taken inside the sign-in would queue one person's sign-ins behind each other and
        could close a deadlock with another org's audit chain. A failure here loses only this
        time, never the sign-in."""
        try:
            with self._uow_factory() as uow:
                uow.bind(org_id)
                uow.members.note_sign_in(org_id, user_id, at)
                uow.commit()
        except Exception as error:  # noqa: BLE001 - the sign-in has happened all the same
            log.warning("last sign-in not noted", extra={"org_id": str(org_id),
                                                         "error": type(error).__name__})

    def refresh(self, refresh_token: str, *, ip: str | None = None,
                user_agent: str | None = None) -> TokenPair:
        """Rotate the refresh token. A token used twice, even by two requests at once, ends
        the session: exactly one use wins the conditional write, the other is reuse."""
        claims = self._tokens.read(refresh_token, expected=TokenType.REFRESH)
        now = self._clock.now()
        actor = Actor(type=ActorType.USER, label=str(claims.subject), id=claims.subject)
        with self._uow_factory() as uow:
            uow.bind(claims.org_id)
            session = uow.sessions.get(claims.org_id, claims.session_id)
            if session is None or not session.is_active(now) or session.user_id != claims.subject:
                raise Unauthenticated(CREDENTIAL_INVALID)
            grant = uow.principals.of_session(claims.org_id, session.id, claims.subject, now)
            if grant is None:
                refuse_suspended(uow.orgs.get(claims.org_id))
                raise Unauthenticated(CREDENTIAL_INVALID)
            access, access_claims = self._tokens.issue(
                subject=claims.subject, org_id=claims.org_id, session_id=session.id,
                type=TokenType.ACCESS)
            refresh, refresh_claims = self._tokens.issue(
                subject=claims.subject, org_id=claims.org_id, session_id=session.id,
                type=TokenType.REFRESH)
            session.rotate(refresh_claims.token_id, now)
            if not uow.sessions.rotate(session, previous_token_id=claims.token_id):
                session.revoke("refresh_token_reused", now)
                uow.sessions.revoke(session)
                uow.audit.append(claims.org_id, AuditEvent(
                    actor=actor, action="auth.refresh_reuse_detected", resource_type="session",
                    resource_id=str(session.id), ip=ip, user_agent=user_agent))
                uow.commit()
                raise Unauthenticated(CREDENTIAL_INVALID)
            uow.audit.append(claims.org_id, AuditEvent(
                actor=actor, action="auth.refresh", resource_type="session",
                resource_id=str(session.id), ip=ip, user_agent=user_agent))
            uow.commit()
        expires_in = int((access_claims.expires_at - access_claims.issued_at).total_seconds())
        return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in,
                         org=OrganizationSummary.of(grant.org))


def password_binding(password_hash: str | None, kind: ChallengeKind) -> str:
    """What a challenge holds to: its kind (what it opens), and the password it proved (a
    change of password ends it)."""
    return f"{kind.value}:{hashlib.sha256((password_hash or '').encode()).hexdigest()[:32]}"


def _refuse_if_only_suspended(memberships: list[Membership], slug: str | None) -> None:
    """The org named is suspended, or (none named) every org of the person's that is not
    deleted is: a clear refusal, after the password proved who asks."""
    wanted = (slug or "").strip().lower()
    named = [m for m in memberships if m.org.slug == wanted] if slug is not None else [
        m for m in memberships if m.org.status is not OrgStatus.DELETED]
    if named and all(m.org.status is OrgStatus.SUSPENDED for m in named):
        refuse_suspended(named[0].org)


def _pick(memberships: list[Membership], slug: str | None) -> Membership | None:
    if slug is not None:
        return pick_named(memberships, slug)
    live = [m for m in memberships if m.org.is_active]
    if len(live) > 1:
        slugs = ", ".join(sorted(m.org.slug for m in live))
        raise InvalidInput("you belong to several organizations: say which with `org`",
                           code="org_required", errors={"org": [f"choose one of: {slugs}"]})
    return live[0] if live else None


def pick_named(memberships: list[Membership], slug: str | None) -> Membership | None:
    wanted = (slug or "").strip().lower()
    return next((m for m in memberships if m.org.slug == wanted and m.org.is_active), None)
