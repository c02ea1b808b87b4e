"""Signing in and out: login, refresh with rotation and reuse detection, logout, authenticate.

Every outcome that matters is an audit entry committed with its effect. Failures say only
"invalid credentials", whatever went wrong, and cost the same password-hash time.
"""

from __future__ import annotations

import uuid

from attrs import define

from application.ports.security import (
    LoginThrottle,
    PasswordHasher,
    TokenClaims,
    TokenService,
    TokenType,
)
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.views import OrganizationView
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import InvalidInput, NotFound, TooManyAttempts, Unauthenticated
from domain.member import Member, Role
from domain.organization import Organization
from domain.session import Session
from domain.user import User, UserStatus, normalise_email

INVALID = "invalid credentials"
# One answer for every unusable token: forged, expired, or of an ended session alike.
TOKEN_INVALID = "invalid or expired credentials"  # noqa: S105 - a message, not a secret


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
    org: OrganizationView
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


@define(frozen=True)
class MembershipView:
    org_id: uuid.UUID
    slug: str
    name: str
    role: str


@define(frozen=True)
class MeView:
    id: uuid.UUID
    email: str
    full_name: str
    org: MembershipView
    memberships: list[MembershipView]


@define(frozen=True)
class Principal:
    """Who is calling, resolved from a valid access token."""

    user_id: uuid.UUID
    org_id: uuid.UUID
    session_id: uuid.UUID
    role: Role
    email: str

    @property
    def actor(self) -> Actor:
        return Actor(type=ActorType.USER, label=self.email, id=self.user_id, org_id=self.org_id)


class AuthService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 hasher: PasswordHasher, tokens: TokenService, dummy_hash: str,
                 throttle: LoginThrottle) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._hasher = hasher
        self._tokens = tokens
        self._dummy_hash = dummy_hash
        self._throttle = throttle

    def login(self, cmd: Login) -> TokenPair:
        retry_after = self._throttle.reserve(cmd.email, cmd.ip)
        if retry_after is not None:
            raise TooManyAttempts("too many sign-in attempts; try again later",
                                  retry_after=retry_after)
        try:
            email = normalise_email(cmd.email)
        except InvalidInput:
            self._hasher.verify(self._dummy_hash, cmd.password)
            raise Unauthenticated(INVALID) from None
        with self._uow_factory() as uow:
            user = uow.users.get_by_email(email)
            password_ok = self._hasher.verify(user.password_hash if user and user.password_hash
                                              else self._dummy_hash, cmd.password)
            memberships = []
            if user is not None:
                uow.bind_user(user.id)
                memberships = uow.members.memberships_of_user(user.id)
            org, member = self._pick_org(uow, memberships, cmd.org)
        if user is None or not password_ok or user.status is not UserStatus.ACTIVE or member is None:
            self._audit_failure(org, email, cmd)
            raise Unauthenticated(INVALID)
        self._throttle.reset(cmd.email)
        return self.open_session(user, org, ip=cmd.ip, user_agent=cmd.user_agent,
                                  password=cmd.password)

    def _pick_org(self, uow: UnitOfWork, memberships: list[Member],
                  slug: str | None) -> tuple[Organization | None, Member | None]:
        if slug is not None:
            org = uow.orgs.get_by_slug(slug.strip().lower())
            member = next((m for m in memberships if org and m.org_id == org.id), None)
            return org, member
        live = [(uow.orgs.get(m.org_id), m) for m in memberships]
        live = [(o, m) for o, m in live if o is not None and o.is_active]
        if len(live) > 1:
            slugs = ", ".join(sorted(o.slug for o, _ in live))
            raise InvalidInput("you belong to several organizations: say which with `org`",
                               code="org_required", errors={"org": [f"choose one of: {slugs}"]})
        return live[0] if live else (None, None)

    def _audit_failure(self, org: Organization | None, email: str, cmd: Login) -> None:
        if org is None:
            return
        with self._uow_factory() as uow:
            uow.bind(org.id)
            uow.audit.append(org.id, AuditEvent(
                actor=Actor(type=ActorType.USER, label=email), action="auth.login_failed",
                resource_type="user", resource_id=email, ip=cmd.ip, user_agent=cmd.user_agent))
            uow.commit()

    def open_session(self, user: User, org: Organization, *, ip: str | None,
                      user_agent: str | None, password: str | None = None) -> TokenPair:
        now = self._clock.now()
        session_id = self._ids.new_id()
        access, access_claims = self._tokens.issue(subject=user.id, org_id=org.id,
                                                   session_id=session_id, type=TokenType.ACCESS)
        refresh, refresh_claims = self._tokens.issue(subject=user.id, org_id=org.id,
                                                     session_id=session_id, type=TokenType.REFRESH)
        with self._uow_factory() as uow:
            uow.bind(org.id)
            uow.sessions.add(Session(org_id=org.id, id=session_id, user_id=user.id,
                                     refresh_token_id=refresh_claims.token_id,
                                     expires_at=refresh_claims.expires_at, created_at=now,
                                     updated_at=now, ip=ip, user_agent=user_agent))
            if password and user.password_hash and self._hasher.needs_rehash(user.password_hash):
                user.password_hash = self._hasher.hash(password)
                user.updated_at = now
                uow.users.update(user)
            uow.audit.append(org.id, AuditEvent(
                actor=Actor(type=ActorType.USER, label=user.email, id=user.id),
                action="auth.login", resource_type="session", resource_id=str(session_id),
                details={"method": "password" if password else "switch_org"},
                ip=ip, user_agent=user_agent))
            uow.commit()
        return _pair(access, refresh, access_claims, org)

    def refresh(self, refresh_token: str, *, ip: str | None = None,
                user_agent: str | None = None) -> TokenPair:
        claims = self._tokens.read(refresh_token, expected=TokenType.REFRESH)
        now = self._clock.now()
        with self._uow_factory() as uow:
            uow.bind(claims.org_id)
            session = uow.sessions.get(claims.org_id, claims.session_id)
            if session is None or not session.is_active(now):
                raise Unauthenticated(TOKEN_INVALID)
            actor = Actor(type=ActorType.USER, label=str(claims.subject), id=claims.subject)
            if session.refresh_token_id != claims.token_id:
                session.revoke("refresh_token_reused", now)
                uow.sessions.update(session)
                uow.audit.append(claims.org_id, AuditEvent(
                    actor=actor, action="auth.refresh_reuse_detected", resource_type="session",
                    resource_id=str(session.id), ip=ip, user_agent=user_agent))
                uow.commit()
                raise Unauthenticated(TOKEN_INVALID)
            org = uow.orgs.get(claims.org_id)
            self._require_member(uow, claims)
            access, access_claims = self._tokens.issue(
                subject=claims.subject, org_id=claims.org_id, session_id=session.id,
                type=TokenType.ACCESS)
            refresh, refresh_claims = self._tokens.issue(
                subject=claims.subject, org_id=claims.org_id, session_id=session.id,
                type=TokenType.REFRESH)
            session.rotate(refresh_claims.token_id, now)
            uow.sessions.update(session)
            uow.audit.append(claims.org_id, AuditEvent(
                actor=actor, action="auth.refresh", resource_type="session",
                resource_id=str(session.id), ip=ip, user_agent=user_agent))
            uow.commit()
        return _pair(access, refresh, access_claims, org)

    def authenticate(self, access_token: str) -> Principal:
        claims = self._tokens.read(access_token, expected=TokenType.ACCESS)
        with self._uow_factory() as uow:
            uow.bind(claims.org_id)
            session = uow.sessions.get(claims.org_id, claims.session_id)
            if session is None or not session.is_active(self._clock.now()):
                raise Unauthenticated(TOKEN_INVALID)
            member, user = self._require_member(uow, claims)
            return Principal(user_id=user.id, org_id=claims.org_id, session_id=session.id,
                             role=member.role, email=user.email)

    def me(self, principal: Principal) -> MeView:
        with self._uow_factory() as uow:
            user = uow.users.get(principal.user_id)
            uow.bind_user(principal.user_id)
            memberships = []
            for member in uow.members.memberships_of_user(principal.user_id):
                org = uow.orgs.get(member.org_id)
                if org is not None and org.is_active:
                    memberships.append(MembershipView(org_id=org.id, slug=org.slug, name=org.name,
                                                      role=str(member.role)))
        current = next(m for m in memberships if m.org_id == principal.org_id)
        return MeView(id=user.id, email=user.email, full_name=user.full_name, org=current,
                      memberships=memberships)

    def switch_org(self, principal: Principal, slug: str, *, ip: str | None = None,
                   user_agent: str | None = None) -> TokenPair:
        """Move to another org the user belongs to: a new session there, this one ends."""
        with self._uow_factory() as uow:
            user = uow.users.get(principal.user_id)
            uow.bind_user(principal.user_id)
            target = uow.orgs.get_by_slug((slug or "").strip().lower())
            member = next((m for m in uow.members.memberships_of_user(principal.user_id)
                           if target is not None and m.org_id == target.id), None)
        if member is None or not target.is_active:
            raise NotFound(f"organization {slug!r} not found", code="org_not_found")
        self.logout(principal, reason="switch_org")
        return self.open_session(user, target, ip=ip, user_agent=user_agent)

    def logout(self, principal: Principal, *, reason: str = "logout") -> None:
        now = self._clock.now()
        with self._uow_factory() as uow:
            uow.bind(principal.org_id)
            session = uow.sessions.get(principal.org_id, principal.session_id)
            if session is None:
                raise Unauthenticated(TOKEN_INVALID)
            session.revoke(reason, now)
            uow.sessions.update(session)
            uow.audit.append(principal.org_id, AuditEvent(
                actor=principal.actor, action="auth.logout", resource_type="session",
                resource_id=str(session.id), details={"reason": reason}))
            uow.commit()

    @staticmethod
    def _require_member(uow: UnitOfWork, claims: TokenClaims) -> tuple[Member, User]:
        org = uow.orgs.get(claims.org_id)
        member = uow.members.get_by_user(claims.org_id, claims.subject)
        user = uow.users.get(claims.subject)
        if (org is None or not org.is_active or member is None or user is None
                or user.status is not UserStatus.ACTIVE):
            raise Unauthenticated(TOKEN_INVALID)
        return member, user


def _pair(access: str, refresh: str, access_claims: TokenClaims, org: Organization) -> TokenPair:
    expires_in = int((access_claims.expires_at - access_claims.issued_at).total_seconds())
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in,
                     org=OrganizationView.of(org))
