"""Self-service: sign up (a new org, its owner with a password, a signed-in session), and a
signed-in person's further orgs."""

from __future__ import annotations

from attrs import define

from application.auth import NOBODY, AuthService, SignedIn, TokenPair
from application.errors import TooManyAttempts
from application.jobs import EMAIL_VERIFICATION, SIGNUP_NOTICE
from application.organizations import CreateOrganization, OrganizationService
from application.ports.security import AttemptThrottle, PasswordHasher
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principals import SessionCredential, enter
from application.summaries import OrganizationSummary
from application.two_factor import TwoFactorService
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Conflict, Forbidden
from domain.password import check_password
from domain.slug import normalise_slug
from domain.user import normalise_email

SIGNUP_ANSWER = ("check your mail: a new account gets a link to confirm its address; "
                 "then sign in with POST /api/v1/auth/login")


@define(frozen=True)
class CreateOwnOrganization:
    name: str
    slug: str
    actor: SessionCredential
    ip: str | None = None


@define(frozen=True)
class Signup:
    org_name: str
    slug: str
    email: str
    password: str
    full_name: str
    ip: str | None = None
    user_agent: str | None = None


@define(frozen=True)
class FirstOrganization:
    """A person who belongs to no organization (any more), with the challenge their password
    sign-in answered: a new org of their own, signed in to it."""

    challenge_token: str
    name: str
    slug: str
    code: str | None = None
    ip: str | None = None
    user_agent: str | None = None


class SignupService:
    def __init__(self, uow_factory: UnitOfWorkFactory, organizations: OrganizationService,
                 auth: AuthService, hasher: PasswordHasher, enabled: bool,
                 throttle: AttemptThrottle, clock: Clock, two_factor: TwoFactorService) -> None:
        self._uow_factory = uow_factory
        self._two_factor = two_factor
        self._clock = clock
        self._organizations = organizations
        self._auth = auth
        self._hasher = hasher
        self._enabled = enabled
        self._throttle = throttle

    def signup(self, cmd: Signup) -> None:
        """A new org and its owner, who then signs in. The answer is the same whether or not
        the address has an account (only a taken slug differs, for anyone): a new address gets
        a link to confirm it, an address with an account a mail that says someone tried."""
        if not self._enabled:
            raise Forbidden("self-service sign-up is turned off here", code="signup_disabled")
        retry_after = self._throttle.reserve(cmd.email, cmd.ip)  # per address and per client
        if retry_after is not None:
            raise TooManyAttempts("too many sign-ups; try again later", retry_after=retry_after)
        email = normalise_email(cmd.email)
        slug = normalise_slug(cmd.slug)
        check_password(cmd.password, email=email)
        actor = Actor(type=ActorType.USER, label=email)
        password_hash = self._hasher.hash(cmd.password)  # before any connection is taken
        with self._uow_factory() as uow:
            existing = uow.users.get_by_email(email)
            if existing is not None:  # the same answer; the account's owner is told by mail
                if uow.orgs.get_by_slug(slug) is not None:
                    raise Conflict(f"slug {slug!r} is already taken", code="slug_taken")
                uow.jobs.defer(SIGNUP_NOTICE, user_id=str(existing.id))
                uow.commit()
                return
            org, owner = self._organizations.create_in(uow, CreateOrganization(
                name=cmd.org_name, slug=slug, owner_email=email, owner_name=cmd.full_name,
                actor=actor))
            owner.password_hash = password_hash
            uow.users.update(owner)
            uow.audit.append(org.id, AuditEvent(
                actor=actor, action="auth.signup", resource_type="user", resource_id=str(owner.id),
                ip=cmd.ip, user_agent=cmd.user_agent))
            # The address is proven by the mail it gets.
            uow.jobs.defer(EMAIL_VERIFICATION, user_id=str(owner.id))
            uow.commit()

    def create_org(self, cmd: CreateOwnOrganization) -> OrganizationSummary:
        """Another org for a signed-in person, who becomes its owner (they switch to it with
        switch-org). Counted with sign-ups, per person and per client address."""
        if not self._enabled:
            raise Forbidden("self-service sign-up is turned off here", code="signup_disabled")
        retry_after = self._throttle.reserve(f"user:{cmd.actor.user_id}", cmd.ip)
        if retry_after is not None:
            raise TooManyAttempts("too many new organizations; try again later",
                                  retry_after=retry_after)
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, None, now=self._clock.now())
            org, _ = self._organizations.create_in(uow, CreateOrganization(
                name=cmd.name, slug=cmd.slug, owner_email=principal.actor.label,
                actor=principal.actor))
            uow.commit()
        return OrganizationSummary.of(org)

    def first_org(self, cmd: FirstOrganization) -> TokenPair:
        """An org for a person with none left (their last was deleted, or they left it),
        on the challenge of their sign-in; they own it and are signed in to it."""
        if not self._enabled:
            raise Forbidden("self-service sign-up is turned off here", code="signup_disabled")
        user_id = self._two_factor.challenge_for(cmd.challenge_token, NOBODY, cmd.code,
                                                 ip=cmd.ip)
        retry_after = self._throttle.reserve(f"user:{user_id}", cmd.ip)
        if retry_after is not None:
            raise TooManyAttempts("too many new organizations; try again later",
                                  retry_after=retry_after)
        with self._uow_factory() as uow:  # apart: Citus writes no global row after this read
            uow.bind_user(user_id)
            if any(m.org.is_active for m in uow.directory.memberships_of_user(user_id)):
                raise Conflict("you belong to an organization: sign in to it, then create "
                               "another with POST /api/v1/orgs", code="has_organization")
        with self._uow_factory() as uow:
            user = self._two_factor.past_challenge(uow, cmd.challenge_token, cmd.code)
            actor = Actor(type=ActorType.USER, label=user.email, id=user.id)
            org, _ = self._organizations.create_in(uow, CreateOrganization(
                name=cmd.name, slug=cmd.slug, owner_email=user.email, actor=actor))
            pair = self._auth.start_session(
                uow, SignedIn(user.id, user.email, org, password_hash=user.password_hash),
                method="first_org", ip=cmd.ip, user_agent=cmd.user_agent)
            uow.commit()
        return pair
