"""Two-factor sign-in (TOTP, RFC 6238): setting it up, signing in with a code or a recovery
code, new recovery codes, turning it off.

A code counts once: the factor remembers the newest time step it accepted, and the write that
moves it on is conditional, so of two requests with the same code exactly one wins. Guesses are
capped like password guesses, per person and client address. Recovery codes are shown once and
kept as keyed digests; each works once.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from attrs import define

from application.auth import AuthService, ChallengeKind, SignedIn, TokenPair, password_binding
from application.errors import TooManyAttempts, Unauthenticated
from application.people import user_by_email
from application.ports.security import (
    AttemptThrottle,
    DigestSigner,
    OneTimeCodes,
    PasswordHasher,
    SecretSealer,
    TokenService,
    TokenType,
)
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import SessionCredential, enter
from application.user_scope import audit_in_each, end_sessions_everywhere, orgs_of
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Conflict, InvalidInput
from domain.two_factor import RECOVERY_CODE_COUNT, RecoveryCode, TotpFactor
from domain.user import User, UserStatus

ISSUER = "Groundwork"
INVALID_CODE = "invalid code"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_HALF = 6  # two halves of six: 59 bits


@define(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


@define(frozen=True)
class TwoFactorStatus:
    enabled: bool
    confirmed_at: datetime | None
    recovery_codes_left: int


@define(frozen=True)
class SecondFactor:
    """A challenge answered with a code from the app or one recovery code."""

    challenge_token: str
    code: str
    ip: str | None = None
    user_agent: str | None = None


@define(frozen=True)
class SignedInWithSecondFactor:
    tokens: TokenPair
    recovery_codes: list[str] | None  # when this sign-in also finished setting the factor up


@define(frozen=True)
class TurnOff:
    actor: SessionCredential
    password: str
    code: str  # the app's, or a recovery code
    ip: str | None = None


def normalised_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def is_app_code(code: str) -> bool:
    """Six digits are the app's code; anything else is taken for a recovery code."""
    return len(code) == 6 and code.isascii() and code.isdigit()


class TwoFactorService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 codes: OneTimeCodes, sealer: SecretSealer, recovery_signer: DigestSigner,
                 hasher: PasswordHasher, tokens: TokenService, auth: AuthService,
                 throttle: AttemptThrottle) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._codes = codes
        self._sealer = sealer
        self._recovery_signer = recovery_signer
        self._hasher = hasher
        self._tokens = tokens
        self._auth = auth
        self._throttle = throttle

    # A signed-in person's own factor.

    def status(self, credential: SessionCredential) -> TwoFactorStatus:
        with self._uow_factory() as uow:
            factor = uow.two_factor.get(credential.user_id)
            left = uow.two_factor.codes_left(credential.user_id)
            enter(uow, credential, None, now=self._clock.now())
        confirmed = factor is not None and factor.confirmed
        return TwoFactorStatus(enabled=confirmed,
                               confirmed_at=factor.confirmed_at if confirmed else None,
                               recovery_codes_left=left if confirmed else 0)

    def enrol(self, credential: SessionCredential, password: str, *,
              ip: str | None = None) -> Enrolment:
        """A new secret to scan; it counts once confirmed with a code (`confirm`). Needs the
        password: a stolen session alone cannot put its own factor on the account."""
        with self._uow_factory() as uow:
            enter(uow, credential, None, now=self._clock.now())
            user = uow.users.get(credential.user_id)
        self._reserve(user.id, ip)
        if not self._hasher.verify(user.password_hash or "", password):  # no connection held
            raise InvalidInput("the password is not right", code="wrong_password",
                               errors={"password": ["is not your current password"]})
        with self._uow_factory() as uow:
            enrolment = self._put_new_factor(uow, user)
            enter(uow, credential, None, now=self._clock.now())
            uow.commit()
        self._throttle.reset(str(user.id), ip)
        return enrolment

    def confirm(self, credential: SessionCredential, code: str, *,
                ip: str | None = None) -> list[str]:
        """Turn the factor on with a first code; the recovery codes, shown this once. Every other
        session of the person ends: from now on a sign-in takes a code."""
        self._caller(credential)
        self._reserve(credential.user_id, ip)
        with self._uow_factory() as uow:
            factor = uow.two_factor.get(credential.user_id)
            if factor is None:
                raise Conflict("set up two-factor sign-in first (POST /api/v1/me/two-factor)",
                               code="two_factor_not_enrolled")
            if factor.confirmed:
                raise Conflict("two-factor sign-in is on already", code="two_factor_enabled")
            recovery, user, org_ids, principal = self._recover_with_code(uow, credential, factor,
                                                                         code)
            ended = end_sessions_everywhere(uow, user, org_ids, "two_factor_enabled",
                                            self._clock.now(), keep=credential.session_id)
            audit_in_each(uow, org_ids, AuditEvent(
                actor=principal.actor, action="user.two_factor_enabled", resource_type="user",
                resource_id=str(user.id), details={"sessions_ended": ended}, ip=ip))
            uow.commit()
        self._throttle.reset(str(credential.user_id), ip)
        return recovery

    def new_recovery_codes(self, credential: SessionCredential, code: str, *,
                           ip: str | None = None) -> list[str]:
        """Replace every recovery code (a current code proves the app is at hand)."""
        self._caller(credential)
        self._reserve(credential.user_id, ip)
        with self._uow_factory() as uow:
            factor = self._confirmed_factor(uow, credential.user_id)
            recovery, user, org_ids, principal = self._recover_with_code(uow, credential, factor,
                                                                         code)
            audit_in_each(uow, org_ids, AuditEvent(
                actor=principal.actor, action="user.recovery_codes_replaced",
                resource_type="user", resource_id=str(user.id), ip=ip))
            uow.commit()
        self._throttle.reset(str(credential.user_id), ip)
        return recovery

    def turn_off(self, cmd: TurnOff) -> None:
        """Needs the password and a code (or a recovery code)."""
        user_id = cmd.actor.user_id
        self._reserve(user_id, cmd.ip)
        with self._uow_factory() as uow:
            enter(uow, cmd.actor, None, now=self._clock.now())
            user = uow.users.get(user_id)
        if not self._hasher.verify(user.password_hash or "", cmd.password):  # no connection held
            raise InvalidInput("the password is not right", code="wrong_password",
                               errors={"password": ["is not your current password"]})
        with self._uow_factory() as uow:
            factor = self._confirmed_factor(uow, user_id)
            if not self._second_factor(uow, factor, cmd.code):
                raise InvalidInput("the code is not right", code="wrong_code",
                                   errors={"code": ["is not a current or recovery code of yours"]})
            uow.two_factor.remove(user_id)
            org_ids = orgs_of(uow, user)
            principal = enter(uow, cmd.actor, None, now=self._clock.now())
            audit_in_each(uow, org_ids, AuditEvent(
                actor=principal.actor, action="user.two_factor_disabled", resource_type="user",
                resource_id=str(user_id), ip=cmd.ip))
            uow.commit()
        self._throttle.reset(str(user_id), cmd.ip)

    def require_code(self, user_id: uuid.UUID, code: str | None, *, ip: str | None) -> None:
        """For another use case that a person confirms with their second factor when they have
        it on (deleting their account): a code of the app or a recovery code, spent here."""
        with self._uow_factory() as uow:
            factor = uow.two_factor.get(user_id)
        if factor is None or not factor.confirmed:
            return
        if not code:
            raise InvalidInput("two-factor sign-in is on: give a code", code="code_required",
                               errors={"code": ["a code of your app, or a recovery code"]})
        self._reserve(user_id, ip)
        with self._uow_factory() as uow:
            if not self._second_factor(uow, self._confirmed_factor(uow, user_id), code):
                raise InvalidInput("the code is not right", code="wrong_code",
                                   errors={"code": ["is not a current or recovery code of yours"]})
            uow.commit()
        self._throttle.reset(str(user_id), ip)

    def reset_by_operator(self, email: str, actor: Actor) -> bool:
        """For a person who lost their app and their recovery codes, once their identity is
        checked out of band: the factor goes (they set it up again, at once if an org of
        theirs requires it). Audited in each of their orgs. False when there was none."""
        with self._uow_factory() as uow:
            user = user_by_email(uow, email)
            removed = uow.two_factor.remove(user.id)
            if removed:
                audit_in_each(uow, orgs_of(uow, user), AuditEvent(
                    actor=actor, action="user.two_factor_reset", resource_type="user",
                    resource_id=str(user.id), details={"email": user.email}))
                uow.commit()
        return removed

    # Signing in: the challenge that a password sign-in answered with.

    def enrol_challenged(self, challenge_token: str) -> Enrolment:
        """For a person whose org requires a second factor they have not set up: the secret to
        scan; `complete` with its first code turns it on and signs in."""
        claims = self._tokens.read(challenge_token, expected=TokenType.CHALLENGE)
        with self._uow_factory() as uow:
            user = self._challenged(uow, claims.subject, claims.binding,
                                    ChallengeKind.ENROL_TOTP)
            enrolment = self._put_new_factor(uow, user)
            uow.commit()
        return enrolment

    def complete(self, cmd: SecondFactor) -> SignedInWithSecondFactor:
        """The challenge's answer: a session, and recovery codes when this code also turned the
        factor on."""
        claims = self._tokens.read(cmd.challenge_token, expected=TokenType.CHALLENGE)
        self._reserve(claims.subject, cmd.ip)
        with self._uow_factory() as uow:
            user = self._challenged(uow, claims.subject, claims.binding,
                                    ChallengeKind.TOTP, ChallengeKind.ENROL_TOTP)
            factor = uow.two_factor.get(user.id)
            if factor is None:
                raise Conflict("set up two-factor sign-in first "
                               "(POST /api/v1/auth/two-factor/enrolment)",
                               code="two_factor_not_enrolled")
            was_confirmed = factor.confirmed
            if not self._second_factor(uow, factor, cmd.code):
                raise Unauthenticated(INVALID_CODE)
            recovery = None if was_confirmed else self._new_recovery_codes(uow, user.id)
            org = uow.orgs.get(claims.org_id)
            if org is None or not org.is_active:
                raise Unauthenticated(INVALID_CODE)
            method = ChallengeKind.TOTP.value if is_app_code(cmd.code) else "recovery_code"
            pair = self._auth.start_session(
                uow, SignedIn(user.id, user.email, org, password_hash=user.password_hash),
                method=f"password+{method}", ip=cmd.ip, user_agent=cmd.user_agent)
            if recovery is not None:
                uow.audit.append(org.id, AuditEvent(
                    actor=Actor(type=ActorType.USER, label=user.email, id=user.id),
                    action="user.two_factor_enabled", resource_type="user",
                    resource_id=str(user.id), ip=cmd.ip))
            uow.commit()
        self._throttle.reset(str(claims.subject), cmd.ip)
        return SignedInWithSecondFactor(tokens=pair, recovery_codes=recovery)

    def challenge_for(self, challenge_token: str, org_id: uuid.UUID, code: str | None, *,
                      ip: str | None) -> uuid.UUID:
        """Whose challenge for `org_id` this is (a first org's: NOBODY); a code given with it
        is counted here, before any connection is taken."""
        claims = self._tokens.read(challenge_token, expected=TokenType.CHALLENGE)
        if claims.org_id != org_id:
            raise Unauthenticated(INVALID_CODE)
        if code:
            self._reserve(claims.subject, ip)
        return claims.subject

    def past_challenge(self, uow: UnitOfWork, challenge_token: str, code: str | None) -> User:
        """For another use case that a challenge opens (`challenge_for` first): the person,
        past their second factor when they have it on."""
        claims = self._tokens.read(challenge_token, expected=TokenType.CHALLENGE)
        user = self._challenged(uow, claims.subject, claims.binding, ChallengeKind.CREATE_ORG)
        factor = uow.two_factor.get(user.id)
        if factor is not None and factor.confirmed:
            if not code:
                raise InvalidInput("two-factor sign-in is on: give a code", code="code_required",
                                   errors={"code": ["a code of your app, or a recovery code"]})
            if not self._second_factor(uow, factor, code):
                raise Unauthenticated(INVALID_CODE)
        return user

    # The parts.

    def _recover_with_code(self, uow: UnitOfWork, credential: SessionCredential,
                           factor: TotpFactor, code: str):
        """The app's current code accepted, then ten new recovery codes (global rows first),
        then the person's orgs and the caller still live: (codes, user, org ids, principal)."""
        if not self._accept_code(uow, factor, code):
            raise InvalidInput("the code is not right", code="wrong_code",
                               errors={"code": ["is not the current code of your app"]})
        recovery = self._new_recovery_codes(uow, credential.user_id)
        user = uow.users.get(credential.user_id)
        org_ids = orgs_of(uow, user)
        return recovery, user, org_ids, enter(uow, credential, None, now=self._clock.now())

    def _caller(self, credential: SessionCredential) -> None:
        """The session is live (checked again where the change commits)."""
        with self._uow_factory() as uow:
            enter(uow, credential, None, now=self._clock.now())

    def _reserve(self, user_id: uuid.UUID, ip: str | None) -> None:
        retry_after = self._throttle.reserve(str(user_id), ip)
        if retry_after is not None:
            raise TooManyAttempts("too many codes tried; try again later",
                                  retry_after=retry_after)

    @staticmethod
    def _challenged(uow: UnitOfWork, user_id: uuid.UUID, binding: str | None,
                    *kinds: ChallengeKind) -> User:
        """The person a challenge of one of `kinds` is for, still active and with the password
        it proved."""
        user = uow.users.get(user_id)
        if (user is None or user.status is not UserStatus.ACTIVE
                or binding not in {password_binding(user.password_hash, k) for k in kinds}):
            raise Unauthenticated(INVALID_CODE)
        return user

    @staticmethod
    def _confirmed_factor(uow: UnitOfWork, user_id: uuid.UUID) -> TotpFactor:
        factor = uow.two_factor.get(user_id)
        if factor is None or not factor.confirmed:
            raise Conflict("two-factor sign-in is not on", code="two_factor_not_enabled")
        return factor

    def _put_new_factor(self, uow: UnitOfWork, user: User) -> Enrolment:
        now, secret = self._clock.now(), self._codes.new_secret()
        factor = TotpFactor(id=self._ids.new_id(), user_id=user.id, sealed_secret=self._sealer.seal(secret),
                            created_at=now, updated_at=now)
        if not uow.two_factor.put(factor):
            raise Conflict("two-factor sign-in is on already; turn it off first",
                           code="two_factor_enabled")
        uri = self._codes.provisioning_uri(secret, account=user.email, issuer=ISSUER)
        return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=self._codes.qr_svg(uri))

    def _second_factor(self, uow: UnitOfWork, factor: TotpFactor, code: str) -> bool:
        if is_app_code(code):
            return self._accept_code(uow, factor, code)
        if not factor.confirmed:
            return False
        digest = self._recovery_signer.sign(normalised_recovery_code(code).encode())
        return uow.two_factor.use_code(factor.user_id, digest, self._clock.now())

    def _accept_code(self, uow: UnitOfWork, factor: TotpFactor, code: str) -> bool:
        """True when `code` is the app's code now and no code of its step or a later one was
        accepted before (here or in a racing request)."""
        try:
            secret = self._sealer.open(factor.sealed_secret)
        except ValueError:  # sealed under another SECRET_KEY: only a recovery code will do
            return False
        now = self._clock.now()
        step = self._codes.matching_step(secret, code.strip(), now)
        previous = factor.last_step
        return (step is not None and factor.accept(step, now)
                and uow.two_factor.accept(factor, previous_step=previous))

    def _new_recovery_codes(self, uow: UnitOfWork, user_id: uuid.UUID) -> list[str]:
        now = self._clock.now()
        plain = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
        uow.two_factor.replace_codes(user_id, [RecoveryCode(
            id=self._ids.new_id(), user_id=user_id, created_at=now, updated_at=now,
            code_digest=self._recovery_signer.sign(normalised_recovery_code(code).encode()))
            for code in plain])
        return plain


def _recovery_code() -> str:
    halves = ("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_HALF))
              for _ in range(2))
    return "-".join(halves)
