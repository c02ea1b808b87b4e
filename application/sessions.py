"""A signed-in person's session: who am I, switch org, sign out. Each is one unit of work."""

from __future__ import annotations

import uuid
from datetime import datetime

from attrs import define

from application.auth import AuthService, SignedIn, TokenPair, pick_named
from application.cursors import decode_cursor, encode_cursor, page_of
from application.ports.read_models import Membership
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import SessionCredential, enter
from domain.audit import Actor, AuditEvent
from domain.errors import NotFound


@define(frozen=True)
class MembershipSummary:
    org_id: uuid.UUID
    slug: str
    name: str
    role: str

    @classmethod
    def of(cls, membership: Membership) -> MembershipSummary:
        org = membership.org
        return cls(org_id=org.id, slug=org.slug, name=org.name, role=str(membership.role))


@define(frozen=True)
class Profile:
    id: uuid.UUID
    email: str
    full_name: str
    org: MembershipSummary
    memberships: list[MembershipSummary]
    email_verified: bool
    two_factor_enabled: bool


@define(frozen=True)
class MembershipPage:
    memberships: list[MembershipSummary]
    next_cursor: str | None


class SessionService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, auth: AuthService) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._auth = auth

    def me(self, credential: SessionCredential) -> Profile:
        with self._uow_factory() as uow:
            memberships = self._memberships(uow, credential)
            principal = enter(uow, credential, None, now=self._clock.now())
            verified = uow.users.get(principal.user_id).email_verified
            factor = uow.two_factor.get(principal.user_id)
        live = [MembershipSummary.of(m) for m in memberships if m.org.is_active]
        current = next(m for m in live if m.org_id == principal.org.id)
        return Profile(id=principal.user_id, email=principal.actor.label,
                       full_name=principal.full_name, org=current, memberships=live,
                       email_verified=verified,
                       two_factor_enabled=factor is not None and factor.confirmed)

    def my_orgs(self, credential: SessionCredential, *, cursor: str | None = None,
                limit: int = 50) -> MembershipPage:
        """The active orgs I belong to with my role, by slug, a page at a time."""
        after = decode_cursor(cursor, "orgs", lambda slug: (slug,),
                              hint="use the cursor of a previous page's Link header") if cursor else None
        page, last = page_of(self.me(credential).memberships, lambda m: (m.slug,), after, limit)
        return MembershipPage(memberships=page,
                              next_cursor=last and encode_cursor("orgs", last.slug))

    @staticmethod
    def _memberships(uow: UnitOfWork, credential: SessionCredential) -> list[Membership]:
        """Read in the user scope, which must come before the tenant is bound: a tenant binding
        hides the user scope for the rest of the transaction. The claims are signed, and
        nothing read is returned unless the session then proves live."""
        uow.bind_user(credential.user_id)
        return uow.directory.memberships_of_user(credential.user_id)

    def switch_org(self, credential: SessionCredential, slug: str, *, ip: str | None = None,
                   user_agent: str | None = None) -> TokenPair:
        """Move to another org the user belongs to: a new session there, this one ends."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            memberships = self._memberships(uow, credential)
            principal = enter(uow, credential, None, now=now)
            target = pick_named(memberships, slug)
            if target is None:
                raise NotFound(f"organization {slug!r} not found", code="org_not_found")

            def leave() -> None:
                uow.bind(credential.org_id)
                self._end_session(uow, credential, principal.actor, "switch_org", now)

            def arrive() -> TokenPair:
                return self._auth.start_session(
                    uow, SignedIn(principal.user_id, principal.actor.label, target.org),
                    method="switch_org", ip=ip, user_agent=user_agent)

            # The two orgs' audit chains are appended in one order, by org id, whichever way
            # the switch goes: two switches that cross each other queue, never deadlock.
            if target.org.id < credential.org_id:
                pair = arrive()
                leave()
            else:
                leave()
                pair = arrive()
            uow.commit()
        return pair

    def logout(self, credential: SessionCredential, *, reason: str = "logout") -> None:
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, credential, None, now=now)
            self._end_session(uow, credential, principal.actor, reason, now)
            uow.commit()

    @staticmethod
    def _end_session(uow: UnitOfWork, credential: SessionCredential, actor: Actor, reason: str,
                     now: datetime) -> None:
        session = uow.sessions.get(credential.org_id, credential.session_id)
        session.revoke(reason, now)
        uow.sessions.revoke(session)
        uow.audit.append(credential.org_id, AuditEvent(
            actor=actor, action="auth.logout", resource_type="session",
            resource_id=str(session.id), details={"reason": reason}))
