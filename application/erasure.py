"""Erasing a person (GDPR, art. 17): by themselves ("delete my account": their password, and a
code when they have two-factor sign-in on), or by an operator. Refused while an org of theirs
would be left without an owner.

Two parts. (1) One transaction, in the application's role, ends the account: no password,
status `erased`, two-factor gone, links ended, every membership with its sessions, the API keys
the person made (a key acts with its maker's role, which ends) and the invitations they sent,
and a `user.erased` entry in each of those orgs. (2) On the owner's maintenance path, which no
server process has (an operator's `groundwork user erase`): their links and sign-in failures
are deleted; in every org their fields in audit entries are erased (the chains still verify),
invitations to them lose the address, their sessions the client address; then the profile is
anonymised and each other org whose log held them gets its `user.erased`. Self-service does
(1) and leaves (2) to the next `groundwork user erase --pending` (a daily job, as `audit
prune`); until then the address still finds the erased person, and (2) may run again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from attrs import define, field

from application.own_password import prove_own_password
from application.ports.maintenance import ErasedInOrg, PersonEraser
from application.ports.read_models import MemberCursor
from application.ports.repositories import AuditFilter
from application.ports.security import AttemptThrottle, PasswordHasher
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import SessionCredential, enter
from application.two_factor import TwoFactorService
from application.user_scope import end_pending_links, orgs_of
from domain.audit import Actor, ActorType, AuditEvent
from domain.audit_pii import ERASED, Person
from domain.errors import Conflict, NotFound
from domain.member import Member, Role
from domain.organization import OrgStatus
from domain.user import User, normalise_email

ERASED_ACTION = "user.erased"
_MEMBERS_PAGE = 500


@define(frozen=True)
class EraseMyAccount:
    actor: SessionCredential
    password: str
    code: str | None = None  # needed when two-factor sign-in is on
    ip: str | None = None


@define(frozen=True)
class Erasure:
    user_id: uuid.UUID
    orgs: list[str]  # by slug: where memberships ended or entries or invitations were erased
    memberships_ended: int = 0
    sessions_ended: int = 0
    api_keys_revoked: int = 0
    entries_erased: int = 0
    entries_kept: int = 0  # of hash version 1, written before 0019: their hash covers the values
    invitations_erased: int = 0


@define
class _Ended:
    orgs: list[uuid.UUID] = field(factory=list)
    sessions: int = 0
    api_keys: int = 0


class ErasureService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, hasher: PasswordHasher,
                 throttle: AttemptThrottle, two_factor: TwoFactorService,
                 eraser: Callable[[], PersonEraser]) -> None:
        """`eraser` is made when part 2 needs it: only an operator's process has the owner's
        login (a server's never does)."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._hasher = hasher
        self._throttle = throttle
        self._two_factor = two_factor
        self._eraser = eraser

    def erase_mine(self, cmd: EraseMyAccount) -> None:
        """Close my account for good, now (part 1): the password first (its guesses count
        with sign-in attempts), whether an org would lose its last owner, then a code if
        two-factor sign-in is on. Part 2 is the operator's (`finish_pending`)."""
        with self._uow_factory() as uow:
            enter(uow, cmd.actor, None, now=self._clock.now())
            user = uow.users.get(cmd.actor.user_id)
        prove_own_password(self._throttle, self._hasher, user, cmd.password, cmd.ip)
        with self._uow_factory() as uow:  # told before a code is spent on it
            _owners_kept(uow, user, orgs_of(uow, user))
        self._two_factor.require_code(user.id, cmd.code, ip=cmd.ip)
        self._end_account(user, Actor(type=ActorType.USER, label=str(user.id), id=user.id),
                          cmd.actor, self._clock.now())

    def erase(self, email: str, actor: Actor) -> Erasure:
        """An operator erases the person with this address (both parts), or finishes an
        erasure begun."""
        with self._uow_factory() as uow:
            user = uow.users.get_by_email(normalise_email(email))
        if user is None or user.anonymised:
            raise NotFound(f"no user with email {email!r}", code="user_not_found")
        ended = (_Ended() if user.erased
                 else self._end_account(user, actor, None, self._clock.now()))
        return self._finish(user, actor, ended)

    def finish_pending(self, actor: Actor) -> list[Erasure]:
        """Part 2 of every erasure begun and not finished (people who closed their account)."""
        with self._uow_factory() as uow:
            pending = uow.users.erasures_pending()
        return [self._finish(user, actor, _Ended()) for user in pending]

    def _finish(self, user: User, actor: Actor, ended: _Ended) -> Erasure:
        now = self._clock.now()
        with self._uow_factory() as uow:
            slugs = {org.id: org.slug for org in uow.orgs.list(include_deleted=True)}
        person = Person.of(user.id, {user.email, *self._past_addresses(user, list(slugs))})
        eraser = self._eraser()
        eraser.erase_global(person)
        erased = eraser.erase_in_orgs(slugs, person, now)
        touched = {org_id for org_id, done in erased.items() if done.entries or done.invitations}
        with self._uow_factory() as uow:
            user = uow.users.get(user.id)
            user.anonymise(now)
            uow.users.store_anonymised(user)  # global rows before tenant ones (Citus)
            for org_id in sorted(orgs_of(uow, user)):  # a membership an erasure left: ended
                uow.bind(org_id)
                uow.members.lock_owners(org_id)  # the owners first, as every locker does
                member = uow.members.hold(org_id, user.id, exclusive=True)
                if member is not None:
                    _end_membership(uow, org_id, member, actor, now, ended)
            for org_id in sorted(touched - set(ended.orgs)):
                _tell(uow, org_id, actor, user.id, erased)
            uow.commit()
        return Erasure(
            user_id=user.id, orgs=sorted(slugs[org_id] for org_id in touched | set(ended.orgs)),
            memberships_ended=len(ended.orgs), sessions_ended=ended.sessions,
            api_keys_revoked=ended.api_keys,
            entries_erased=sum(done.entries for done in erased.values()),
            entries_kept=sum(done.kept for done in erased.values()),
            invitations_erased=sum(done.invitations for done in erased.values()))

    def _past_addresses(self, user: User, org_ids: list[uuid.UUID]) -> set[str]:
        """The addresses the person moved away from, as the orgs' logs tell (every org's: one
        they left, or all of them when the memberships ended in an erasure cut short)."""
        found: set[str] = set()
        with self._uow_factory() as uow:
            for org_id in org_ids:
                uow.bind(org_id)
                for entry in uow.audit.page(org_id, AuditFilter(
                        action="user.email_changed", resource_id=str(user.id)),
                        after_seq=0, limit=1_000):
                    found.update(entry.details.get(key) for key in ("from", "to"))
        return {address for address in found if isinstance(address, str) and address != ERASED}

    def _end_account(self, user: User, actor: Actor, credential: SessionCredential | None,
                     now: datetime) -> _Ended:
        """Part 1, in one transaction."""
        ended = _Ended()
        if credential is not None:  # still live; checked apart, as the account ends below
            with self._uow_factory() as uow:
                enter(uow, credential, None, now=now)
        with self._uow_factory() as uow:
            # Global rows first: Citus refuses a write to a reference table after a read
            # across shards in the same transaction (listing the person's orgs is one).
            user = uow.users.get(user.id)
            user.begin_erasure(now)
            if not uow.users.mark_erased(user):  # erased meanwhile, by a racing request
                raise Conflict("this person is being erased already", code="user_erased")
            uow.two_factor.remove(user.id)
            uow.jobs.forget({user.email, str(user.id)})  # a mail job waiting with their address
            end_pending_links(uow, user, now)
            uow.email_tokens.expire_unused_of(user.id, now)
            # Every org of the person, listed in the user scope before any tenant is bound
            # (binding the credential's org would hide the others' memberships).
            org_ids = orgs_of(uow, user)
            for org_id, member in _owners_kept(uow, user, org_ids).items():
                _end_membership(uow, org_id, member, actor, now, ended)
            uow.commit()
        return ended


def _owners_kept(uow: UnitOfWork, user: User, org_ids: list[uuid.UUID]) -> dict[uuid.UUID, Member]:
    """The person's memberships, locked (every org's owners first, orgs in one order: no
    deadlock with a co-owner's erasure); Conflict naming each org they own alone. An erased
    person is no owner (their membership is on its way out); a deleted org needs none."""
    held, alone = {}, []
    for org_id in sorted(org_ids):
        uow.bind(org_id)
        owners = uow.members.lock_owners(org_id)
        member = uow.members.hold(org_id, user.id, exclusive=True)
        if member is None:
            continue
        held[org_id] = member
        if member.role is not Role.OWNER:
            continue
        org = uow.orgs.get(org_id)
        if org is not None and org.status is OrgStatus.DELETED:
            continue
        if owners <= 1 or not _another_owner_stays(uow, org_id, user.id):
            alone.append(org.slug if org is not None else str(org_id))
    if alone:
        raise Conflict(f"the only owner of {', '.join(sorted(alone))}: make someone else an "
                       "owner, or delete the organization, first", code="sole_owner",
                       orgs=sorted(alone))
    return held


def _another_owner_stays(uow: UnitOfWork, org_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the org has an owner besides this person who is not erased (the owners' rows
    are locked: one erased meanwhile has lost their membership, or waits for this)."""
    after = None
    while True:
        page = uow.directory.page(org_id, after=after, limit=_MEMBERS_PAGE)
        for summary in page:
            if summary.role == Role.OWNER and summary.user_id != user_id:
                owner = uow.users.get(summary.user_id)
                if owner is not None and not owner.erased:
                    return True
        if len(page) < _MEMBERS_PAGE:
            return False
        after = MemberCursor(created_at=page[-1].created_at, id=page[-1].id)


def _end_membership(uow: UnitOfWork, org_id: uuid.UUID, member: Member, actor: Actor,
                    now: datetime, ended: _Ended) -> None:
    """End the person's membership in this org, with their sessions there, the API keys they
    made and the invitations they sent; a `user.erased` entry says so."""
    uow.bind(org_id)
    uow.members.remove(org_id, member.id)
    sessions = uow.sessions.revoke_all_in_org(org_id, member.user_id, "user_erased", now)
    keys = uow.api_keys.revoke_created_by(org_id, member.user_id, now)
    invitations = uow.invitations.expire_sent_by(org_id, member.user_id, now)
    uow.audit.append(org_id, AuditEvent(
        actor=actor, action=ERASED_ACTION, resource_type="user",
        resource_id=str(member.user_id), details={
            "sessions_ended": sessions, "api_keys_revoked": keys,
            "invitations_ended": invitations}))
    ended.orgs.append(org_id)
    ended.sessions += sessions
    ended.api_keys += keys


def _tell(uow: UnitOfWork, org_id: uuid.UUID, actor: Actor, user_id: uuid.UUID,
          erased: dict[uuid.UUID, ErasedInOrg]) -> None:
    """A `user.erased` entry in an org whose log held the person, unless it has one (the
    person's own orgs got theirs when the account closed)."""
    uow.bind(org_id)
    if uow.audit.page(org_id, AuditFilter(action=ERASED_ACTION, resource_id=str(user_id)),
                      after_seq=0, limit=1):
        return
    uow.audit.append(org_id, AuditEvent(
        actor=actor, action=ERASED_ACTION, resource_type="user", resource_id=str(user_id),
        details={"entries_erased": erased[org_id].entries,
                 "invitations_erased": erased[org_id].invitations}))
