"""Invitations: an owner or admin invites by email; the invitee accepts once with the emailed token.

The token is `<org id>.<secret>`: the org id says which tenant to look in, the secret
(stored only as a SHA-256) proves the invitee read the email.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from attrs import define

from application import messages
from application.auth import AuthService, Challenge, SignedIn, TokenPair
from application.cursors import decode_position, encode_position
from application.errors import TooManyAttempts, Unauthenticated
from application.jobs import INVITATION
from application.members import MAX_PAGE, permission_to_touch, summary
from application.people import find_or_create_user
from application.permissions import Permission
from application.ports.mailer import Mailer
from application.ports.read_models import MemberSummary
from application.ports.security import AttemptThrottle, PasswordHasher
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import (
    Caller,
    SessionCredential,
    enter,
    hold_standing,
    require_confirmed_address,
)
from application.quotas import enforce
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.invitation import Invitation
from domain.member import Member, parse_role
from domain.organization import OrgStatus
from domain.password import check_password
from domain.quota import Limit
from domain.user import User, normalise_email

INVITATION_TTL = timedelta(days=7)
RESEND_AFTER = timedelta(minutes=1)  # an address gets at most one invitation a minute per org
INVALID = "invalid or expired invitation"


@define(frozen=True)
class Invite:
    slug: str
    email: str
    role: str
    actor: Caller


@define(frozen=True)
class InvitationSummary:
    id: uuid.UUID
    email: str
    role: str
    expires_at: datetime
    created_at: datetime
    invited_by: uuid.UUID | None

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationSummary:
        return cls(id=invitation.id, email=invitation.email, role=str(invitation.role),
                   expires_at=invitation.expires_at, created_at=invitation.created_at,
                   invited_by=invitation.invited_by)


@define(frozen=True)
class ListInvitations:
    slug: str
    actor: Caller
    cursor: str | None = None
    limit: int = 50


@define(frozen=True)
class InvitationPage:
    invitations: list[InvitationSummary]
    next_cursor: str | None


@define(frozen=True)
class OneInvitation:
    """An invitation to revoke or to send again."""

    slug: str
    invitation_id: uuid.UUID
    actor: Caller


@define(frozen=True)
class AcceptInvitation:
    """The emailed token, and who accepts: a new account's chosen password; an existing
    account's password, or its current session."""

    token: str
    password: str | None = None
    full_name: str | None = None
    session: SessionCredential | None = None
    ip: str | None = None
    user_agent: str | None = None


@define(frozen=True)
class Accepted:
    member: MemberSummary
    signed_in: TokenPair | Challenge  # tokens in the org joined, or the second factor to give


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class InvitationService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 hasher: PasswordHasher, mailer: Mailer, public_url: str, auth: AuthService,
                 throttle: AttemptThrottle) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._hasher = hasher
        self._mailer = mailer
        self._public_url = public_url.rstrip("/")
        self._auth = auth
        self._throttle = throttle

    def invite(self, cmd: Invite) -> InvitationSummary:
        """Kept now, mailed by a job (`mail_invitation`): a mail server that is down delays
        the mail, and the invitation waits with no working link until it goes."""
        role, email, now = parse_role(cmd.role), normalise_email(cmd.email), self._clock.now()
        unmailed = _digest(secrets.token_urlsafe(32))  # a secret nobody is ever told
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, permission_to_touch(role), slug=cmd.slug, now=now)
            require_confirmed_address(uow, principal)
            hold_standing(uow, principal, permission_to_touch(role))
            org = principal.org
            existing = uow.users.get_by_email(email)
            if existing is not None and uow.members.get_by_user(org.id, existing.id) is not None:
                raise Conflict(f"{email} is already a member of {org.slug!r}", code="already_member")
            invitation, action = self._one_per_address(uow, principal, email, role, unmailed,
                                                       now)
            uow.audit.append(org.id, AuditEvent(
                actor=principal.actor, action=action, resource_type="invitation",
                resource_id=str(invitation.id), details={"email": email, "role": str(role)}))
            uow.jobs.defer(INVITATION, org_id=str(org.id), invitation_id=str(invitation.id),
                           inviter=principal.actor.label)
            uow.commit()
        return InvitationSummary.of(invitation)

    def mail_invitation(self, org_id: uuid.UUID, invitation_id: uuid.UUID, inviter: str) -> None:
        """The job of `invite`: a new secret, kept, then mailed. Each run (a retry) makes its own,
        so only a mailed link works; none once the invitation was taken back, accepted, ended
        or sent again meanwhile (that sending's job mails it)."""
        secret, now = secrets.token_urlsafe(32), self._clock.now()
        with self._uow_factory() as uow:
            uow.bind(org_id)
            invitation = uow.invitations.get(org_id, invitation_id)
            org = uow.orgs.get(org_id)
            if (invitation is None or org is None or org.status is not OrgStatus.ACTIVE
                    or not uow.invitations.rekey(invitation, _digest(secret), now)):
                return
            uow.commit()
        self._mailer.send(messages.invitation(
            to=invitation.email, org_name=org.name, inviter=inviter, role=str(invitation.role),
            token=f"{org_id.hex}.{secret}", expires_at=invitation.expires_at,
            public_url=self._public_url))

    def list(self, cmd: ListInvitations) -> InvitationPage:
        """The org's open invitations, oldest first, for those who manage members."""
        if not 1 <= cmd.limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", code="invalid_limit",
                               errors={"limit": [f"must be between 1 and {MAX_PAGE}"]})
        after = decode_position(cmd.cursor, "invitation")
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.MANAGE_MEMBERS, slug=cmd.slug, now=now)
            found = uow.invitations.open_page(principal.org.id, now, after=after,
                                              limit=cmd.limit + 1)
            uow.commit()  # an API key's last use, if enter() noted one
        page = found[:cmd.limit]
        more = len(found) > cmd.limit
        return InvitationPage(
            invitations=[InvitationSummary.of(i) for i in page],
            next_cursor=encode_position("invitation", page[-1].created_at, page[-1].id)
            if more else None)

    def revoke(self, cmd: OneInvitation) -> InvitationSummary:
        """Take an open invitation back: its link stops working at once."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.MANAGE_MEMBERS, slug=cmd.slug, now=now)
            invitation = _open(uow, principal.org.id, cmd.invitation_id, now)
            principal.require(permission_to_touch(invitation.role))
            invitation.expire(now)
            if not uow.invitations.renew(invitation):  # accepted meanwhile
                raise NotFound("no such open invitation", code="invitation_not_found")
            uow.audit.append(principal.org.id, AuditEvent(
                actor=principal.actor, action="invitation.revoked", resource_type="invitation",
                resource_id=str(invitation.id),
                details={"email": invitation.email, "role": str(invitation.role)}))
            uow.commit()
        return InvitationSummary.of(invitation)

    def resend(self, cmd: OneInvitation) -> InvitationSummary:
        """Send an open (or lapsed, never accepted) invitation again, with a new link: the
        old one stops working. At most once a minute, as inviting the address again."""
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.MANAGE_MEMBERS, slug=cmd.slug,
                              now=self._clock.now())
            invitation = uow.invitations.get(principal.org.id, cmd.invitation_id)
        if invitation is None or invitation.accepted_at is not None:
            raise NotFound("no such invitation waiting for an answer",
                           code="invitation_not_found")
        return self.invite(Invite(slug=cmd.slug, email=invitation.email,
                                  role=str(invitation.role), actor=cmd.actor))

    def _one_per_address(self, uow: UnitOfWork, principal, email: str, role, token_hash: str,
                         now: datetime) -> tuple[Invitation, str]:
        """One pending invitation per address per org: inviting again renews it (new role, new
        secret, the old link dead) and sends it again, at most once a minute."""
        pending = uow.invitations.pending_for(principal.org.id, email)
        if pending is not None:
            if pending.sent_within(RESEND_AFTER, now):
                wait = int((pending.updated_at + RESEND_AFTER - now).total_seconds()) + 1
                raise TooManyAttempts(f"{email} was invited a moment ago; try again later",
                                      retry_after=wait)
            pending.renew(role=role, token_hash=token_hash, expires_at=now + INVITATION_TTL,
                          invited_by=principal.on_behalf_of, now=now)
            if uow.invitations.renew(pending):
                return pending, "invitation.resent"
        enforce(uow, principal.org.id, Limit.PENDING_INVITATIONS, now)
        invitation = Invitation(org_id=principal.org.id, id=self._ids.new_id(), email=email,
                                role=role, token_hash=token_hash, expires_at=now + INVITATION_TTL,
                                invited_by=principal.on_behalf_of, created_at=now, updated_at=now)
        uow.invitations.add(invitation)
        return invitation, "invitation.sent"

    def accept(self, cmd: AcceptInvitation) -> Accepted:
        """Join, proving who accepts: a new account (or one without a password) chooses its
        password; an existing one gives its password or comes with its own session, and only
        the invited address may. Answers signed in to the org joined (or with the challenge
        for the second factor)."""
        org_hex, _, secret = (cmd.token or "").partition(".")
        try:
            org_id = uuid.UUID(hex=org_hex)
        except ValueError:
            raise Unauthenticated(INVALID) from None
        now, digest = self._clock.now(), _digest(secret)
        with self._uow_factory() as uow:
            invitation = _open_invitation(uow, org_id, digest, now)
            invitee = uow.users.get_by_email(invitation.email)
            if cmd.session is not None:
                enter(uow, cmd.session, None, now=now)  # a live session of the person's
        if cmd.session is not None and (invitee is None or invitee.id != cmd.session.user_id):
            raise Forbidden("this invitation was sent to another address",
                            code="invitation_for_another_address")
        password_hash = None
        if invitee is None or not invitee.password_hash:
            password_hash = self._new_password(invitation.email, cmd)  # with no connection held
        elif cmd.session is None:
            self._prove_password(invitee, cmd)
            with self._uow_factory() as uow:
                factor = uow.two_factor.get(invitee.id)
            if factor is not None and factor.confirmed:  # a password alone is not enough
                raise Forbidden("your account has two-factor sign-in: sign in, then accept with "
                                "your access token", code="session_required")
        now = self._clock.now()  # again: the claim must see a take-back made while hashing
        with self._uow_factory() as uow:
            invitation = _open_invitation(uow, org_id, digest, now)
            invitation.accept(now)
            if not uow.invitations.claim(invitation):  # accepted meanwhile, by a racing request
                raise Unauthenticated(INVALID)
            user = self._account(uow, invitation.email, cmd.full_name, password_hash, now)
            if invitee is not None and invitee.password_hash and (
                    user.password_hash != invitee.password_hash):  # changed while proving
                raise Unauthenticated(INVALID)
            if uow.members.get_by_user(org_id, user.id) is not None:
                raise Conflict(f"{user.email} is already a member", code="already_member")
            enforce(uow, org_id, Limit.MEMBERS, now)
            member = Member(org_id=org_id, id=self._ids.new_id(), user_id=user.id,
                            role=invitation.role, created_at=now, updated_at=now)
            uow.members.add(member)
            uow.audit.append(org_id, AuditEvent(
                actor=Actor(type=ActorType.USER, label=user.email, id=user.id),
                action="invitation.accepted", resource_type="invitation",
                resource_id=str(invitation.id),
                details={"member_id": str(member.id), "role": str(member.role)}))
            who = SignedIn(user.id, user.email, uow.orgs.get(org_id),
                           password_hash=user.password_hash)
            if cmd.session is not None:  # signed in already, second factor and all
                signed_in = self._auth.start_session(uow, who, method="invitation", ip=cmd.ip,
                                                     user_agent=cmd.user_agent)
            else:
                signed_in = self._auth.admit(uow, who, method="invitation", ip=cmd.ip,
                                             user_agent=cmd.user_agent)
            uow.commit()
        with self._uow_factory() as uow:  # signed in: its last sign-in noted since the commit
            uow.bind(org_id)
            member = uow.members.get(org_id, member.id) or member
        return Accepted(member=summary(member, user), signed_in=signed_in)

    def _prove_password(self, invitee: User, cmd: AcceptInvitation) -> None:
        """An existing account joins on its password; guesses count with sign-in attempts."""
        if not cmd.password:
            raise InvalidInput("you have an account: give its password (or accept while signed "
                               "in) to join", code="password_required",
                               errors={"password": ["your account's password"]})
        retry_after = self._throttle.reserve(invitee.email, cmd.ip)
        if retry_after is not None:
            raise TooManyAttempts("too many password attempts; try again later",
                                  retry_after=retry_after)
        if not self._hasher.verify(invitee.password_hash, cmd.password):
            raise Unauthenticated("invalid credentials")
        self._throttle.reset(invitee.email, cmd.ip)

    def _new_password(self, email: str, cmd: AcceptInvitation) -> str:
        if not cmd.password:
            raise InvalidInput("choose a password to accept the invitation", code="password_required",
                               errors={"password": ["required for a new account"]})
        check_password(cmd.password, email=email)
        return self._hasher.hash(cmd.password)

    def _account(self, uow: UnitOfWork, email: str, full_name: str | None,
                 password_hash: str | None, now: datetime) -> User:
        """The invitee's account: made now if new, given the password if it had none; its
        address is proven, since the invitation's token came by mail to it."""
        user, _ = find_or_create_user(uow, self._ids, email, full_name, now)
        changed = not user.email_verified
        user.verify_email(email, now)
        if not user.password_hash:
            if password_hash is None:  # the account lost its password since the first read
                raise Unauthenticated(INVALID)
            user.set_password(password_hash, now)
            changed = True
        if changed:
            uow.users.update(user)
        return user


def _open_invitation(uow: UnitOfWork, org_id: uuid.UUID, digest: str, now: datetime) -> Invitation:
    org = uow.orgs.get(org_id)
    if org is None or not org.is_active:
        raise Unauthenticated(INVALID)
    uow.bind(org_id)
    invitation = uow.invitations.get_by_hash(org_id, digest)
    if invitation is None or not invitation.open(now):
        raise Unauthenticated(INVALID)
    return invitation


def _open(uow: UnitOfWork, org_id: uuid.UUID, invitation_id: uuid.UUID,
          now: datetime) -> Invitation:
    invitation = uow.invitations.get(org_id, invitation_id)
    if invitation is None or not invitation.open(now):
        raise NotFound("no such open invitation", code="invitation_not_found")
    return invitation

