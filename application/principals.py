"""The one way into a tenant: a credential becomes a principal inside the use case's own unit of work.

The HTTP edge checks only what needs no database (a token's signature and expiry). `enter()`
then binds the tenant the credential names, resolves the whole principal (session or key,
member, role, organization) in one read, compares the addressed slug with the principal's
organization and checks the permission, all in the transaction the use case goes on to use.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

import attrs
from attrs import define

from application.errors import Unauthenticated
from application.permissions import Permission, require_role, require_scope
from application.ports.security import TokenService, TokenType
from application.ports.unit_of_work import UnitOfWork
from domain.api_key import KEY_PREFIX
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Forbidden, NotFound
from domain.member import Role
from domain.organization import Organization, OrgStatus
from domain.settings import REQUIRE_VERIFIED_EMAIL, turned_on
from domain.slug import slug_problem

# One answer for every unusable credential: forged, expired, revoked or of a removed member.
CREDENTIAL_INVALID = "invalid or expired credentials"
KEY_USE_RESOLUTION = timedelta(minutes=1)  # a key's last use is written at most once a minute


@define(frozen=True)
class SessionCredential:
    """An access token whose signature and expiry the edge has checked; liveness is checked here."""

    user_id: uuid.UUID
    org_id: uuid.UUID
    session_id: uuid.UUID


@define(frozen=True, repr=False)
class ApiKeyCredential:
    """`gw_<prefix>_<secret>` as presented; the prefix finds the key, the secret proves it."""

    prefix: str
    secret: str

    @classmethod
    def parse(cls, presented: str) -> ApiKeyCredential:
        marker, _, rest = presented.partition("_")
        prefix, _, secret = rest.partition("_")
        if marker != KEY_PREFIX or not prefix or not secret:
            raise Unauthenticated(CREDENTIAL_INVALID)
        return cls(prefix=prefix, secret=secret)

    def __repr__(self) -> str:
        return f"ApiKeyCredential(prefix={self.prefix!r})"


# Who may enter: a presented credential, or an operator's Actor at the CLI.
Caller = SessionCredential | ApiKeyCredential | Actor


@define(frozen=True)
class Principal:
    """The resolved caller, acting in exactly one organization."""

    org: Organization
    actor: Actor
    role: Role | None = None
    session_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    full_name: str | None = None
    on_behalf_of: uuid.UUID | None = None  # whose role it acts with: the person, a key's creator

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.actor.id if self.actor.type is ActorType.USER else None

    def require(self, permission: Permission) -> None:
        """A person acts by role; a key by its scopes, within its creator's role now."""
        if self.actor.type is ActorType.API_KEY:
            require_scope(self.actor.scopes, permission)
            if self.role is not None:
                require_role(self.role, permission)
        elif self.actor.type is ActorType.USER:
            require_role(self.role, permission)

    def may(self, permission: Permission) -> bool:
        try:
            self.require(permission)
        except Forbidden:
            return False
        return True


def enter(uow: UnitOfWork, caller: Caller, permission: Permission | None, *, now: datetime,
          slug: str | None = None, lock_org: bool = False) -> Principal:
    """Bind the caller's tenant, resolve the principal and check it may act, in `uow`.

    `slug` is the organization the request addresses: a credential for another org gets
    NotFound, so a tenant never learns that another exists. `lock_org`, for a use case that
    changes the org, holds the org's row until commit, taken first so that every such
    transaction takes its locks in the same order.
    """
    if isinstance(caller, SessionCredential):
        principal = _of_session(uow, caller, now, lock_org)
    elif isinstance(caller, ApiKeyCredential):
        principal = _of_api_key(uow, caller, now, lock_org)
    elif isinstance(caller, Actor) and caller.type is ActorType.OPERATOR:
        principal = _of_operator(uow, caller, slug, lock_org)
    else:
        raise Unauthenticated(CREDENTIAL_INVALID)
    if slug is not None and principal.org.slug != _normalised(slug):
        raise NotFound(f"organization {slug!r} not found", code="org_not_found")
    if permission is not None:
        principal.require(permission)
    return principal


def hold_standing(uow: UnitOfWork, principal: Principal, permission: Permission) -> None:
    """For a use case whose effect outlives the request on the strength of the caller's role
    (an invitation): re-read that role with the membership share-locked until commit, and check
    it again. A role change or removal racing with it either came first and is seen here, or
    waits and then sees (and ends) what this transaction made."""
    if principal.on_behalf_of is None:  # an operator
        return
    member = uow.members.hold(principal.org.id, principal.on_behalf_of)
    if member is None:
        raise Unauthenticated(CREDENTIAL_INVALID)
    attrs.evolve(principal, role=member.role).require(permission)


def require_confirmed_address(uow: UnitOfWork, principal: Principal) -> None:
    """For a sensitive action (inviting, changing roles, creating API keys) in an org that
    requires it: the person acting (or whose key acts) has confirmed their email address."""
    if principal.on_behalf_of is None or not turned_on(principal.org.settings,
                                                       REQUIRE_VERIFIED_EMAIL):
        return
    person = uow.users.get(principal.on_behalf_of)
    if person is None or not person.email_verified:
        raise Forbidden(f"{principal.org.name} requires a confirmed email address for this: "
                        "use the link mailed to you (POST /api/v1/me/email/verification sends "
                        "another)", code="email_unverified")


def refuse_suspended(org: Organization | None) -> None:
    """A suspended org answers what it is, to those who would otherwise be let in."""
    if org is not None and org.status is OrgStatus.SUSPENDED:
        raise Forbidden(f"the organization {org.slug!r} is suspended: ask its owner or support",
                        code="org_suspended")


def _normalised(slug: str) -> str:
    return (slug or "").strip().lower()


def _of_session(uow: UnitOfWork, credential: SessionCredential, now: datetime,
                lock_org: bool) -> Principal:
    uow.bind(credential.org_id)
    grant = uow.principals.of_session(credential.org_id, credential.session_id,
                                      credential.user_id, now, lock_org=lock_org)
    if grant is None:
        refuse_suspended(uow.orgs.get(credential.org_id))
        raise Unauthenticated(CREDENTIAL_INVALID)
    actor = Actor(type=ActorType.USER, label=grant.email, id=grant.user_id, org_id=grant.org.id)
    return Principal(org=grant.org, actor=actor, role=grant.role, session_id=grant.session_id,
                     member_id=grant.member_id, full_name=grant.full_name,
                     on_behalf_of=grant.user_id)


def _of_api_key(uow: UnitOfWork, credential: ApiKeyCredential, now: datetime,
                lock_org: bool) -> Principal:
    org_id = uow.api_keys.locate(credential.prefix)
    if org_id is None:
        raise Unauthenticated(CREDENTIAL_INVALID)
    uow.bind(org_id)
    grant = uow.principals.of_api_key(org_id, credential.prefix, lock_org=lock_org)
    if (grant is None or not grant.key.usable(now)
            or not hmac.compare_digest(grant.key.secret_hash, key_digest(credential.secret))
            or (grant.key.created_by is not None and grant.creator_role is None)):
        raise Unauthenticated(CREDENTIAL_INVALID)  # a key dies with its creator's membership
    key = grant.key
    actor = Actor(type=ActorType.API_KEY, label=f"api_key:{key.prefix}", id=key.id,
                  org_id=org_id, scopes=frozenset(key.scopes))
    first_use = key.last_used_at is None
    stored = key.record_use(now, resolution=KEY_USE_RESOLUTION) and uow.api_keys.record_use(
        key, unless_used_since=now - KEY_USE_RESOLUTION)  # once, even in a burst
    if stored and first_use:
        uow.audit.append(org_id, AuditEvent(actor=actor, action="api_key.first_used",
                                            resource_type="api_key", resource_id=str(key.id)))
    return Principal(org=grant.org, actor=actor, role=grant.creator_role,
                     on_behalf_of=key.created_by)


def _of_operator(uow: UnitOfWork, actor: Actor, slug: str | None, lock_org: bool) -> Principal:
    normalised = _normalised(slug)
    org = None if slug_problem(normalised) else uow.orgs.get_by_slug(normalised, lock=lock_org)
    if org is None or org.status is OrgStatus.DELETED:  # operators still reach suspended orgs
        raise NotFound(f"organization {slug!r} not found", code="org_not_found")
    uow.bind(org.id)
    return Principal(org=org, actor=actor)


class CredentialReader:
    """The HTTP edge's check: what a bearer token is, with no database (signature and expiry)."""

    def __init__(self, tokens: TokenService) -> None:
        self._tokens = tokens

    def read(self, bearer: str) -> SessionCredential | ApiKeyCredential:
        if bearer.startswith(f"{KEY_PREFIX}_"):
            return ApiKeyCredential.parse(bearer)
        return self.session(bearer)

    def session(self, access_token: str) -> SessionCredential:
        """A person's access token; an API key here is refused as what it is (by its shape
        alone: nothing is said about whether the key is live)."""
        if access_token.startswith(f"{KEY_PREFIX}_"):
            raise Forbidden("this needs a person's session; an API key cannot use it",
                            code="session_required")
        claims = self._tokens.read(access_token, expected=TokenType.ACCESS)
        return SessionCredential(user_id=claims.subject, org_id=claims.org_id,
                                 session_id=claims.session_id)


def key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
