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

from application.errors import Unauthenticated
from application.members import permission_to_touch, summary
from application.ports.mailer import Mailer, OutgoingEmail
from application.ports.read_models import MemberSummary
from application.ports.security import PasswordHasher
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principals import Caller, enter
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Conflict, InvalidInput
from domain.invitation import Invitation
from domain.member import Member, parse_role
from domain.password import check_password
from domain.user import User, normalise_email

INVITATION_TTL = timedelta(days=7)
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


@define(frozen=True)
class AcceptInvitation:
    token: str
    password: str | None = None
    full_name: str | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class InvitationService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 hasher: PasswordHasher, mailer: Mailer, public_url: str) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._hasher = hasher
        self._mailer = mailer
        self._public_url = public_url.rstrip("/")

    def invite(self, cmd: Invite) -> InvitationSummary:
        role, email, now = parse_role(cmd.role), normalise_email(cmd.email), self._clock.now()
        secret = secrets.token_urlsafe(32)
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, permission_to_touch(role), slug=cmd.slug, now=now)
            org = principal.org
            existing = uow.users.get_by_email(email)
            if existing is not None and uow.members.get_by_user(org.id, existing.id) is not None:
                raise Conflict(f"{email} is already a member of {org.slug!r}", code="already_member")
            invitation = Invitation(org_id=org.id, id=self._ids.new_id(), email=email, role=role,
                                    token_hash=_digest(secret), expires_at=now + INVITATION_TTL,
                                    invited_by=principal.user_id, created_at=now, updated_at=now)
            uow.invitations.add(invitation)
            uow.audit.append(org.id, AuditEvent(
                actor=principal.actor, action="invitation.sent", resource_type="invitation",
                resource_id=str(invitation.id), details={"email": email, "role": str(role)}))
            uow.commit()
        # Only once the invitation is kept: a failed commit sends no token that would not work.
        token = f"{org.id.hex}.{secret}"
        self._mailer.send(OutgoingEmail(
            to=email, subject=f"You are invited to {org.name} on Groundwork",
            body=(f"{principal.actor.label} invites you to join {org.name} as {role}.\n\n"
                  f"Accept before {invitation.expires_at:%Y-%m-%d %H:%M} UTC:\n"
                  f"POST {self._public_url}/api/v1/invitations/accept\n"
                  f'{{"token": "{token}", "password": "<a long passphrase>", '
                  f'"full_name": "<your name>"}}\n')))
        return InvitationSummary(id=invitation.id, email=email, role=str(role),
                              expires_at=invitation.expires_at)

    def accept(self, cmd: AcceptInvitation) -> MemberSummary:
        org_hex, _, secret = (cmd.token or "").partition(".")
        try:
            org_id = uuid.UUID(hex=org_hex)
        except ValueError:
            raise Unauthenticated(INVALID) from None
        now = self._clock.now()
        with self._uow_factory() as uow:
            org = uow.orgs.get(org_id)
            if org is None or not org.is_active:
                raise Unauthenticated(INVALID)
            uow.bind(org.id)
            invitation = uow.invitations.get_by_hash(org.id, _digest(secret))
            if invitation is None or not invitation.open(now):
                raise Unauthenticated(INVALID)
            user = self._user_for(uow, invitation.email, cmd, now)
            if uow.members.get_by_user(org.id, user.id) is not None:
                raise Conflict(f"{user.email} is already a member", code="already_member")
            member = Member(org_id=org.id, id=self._ids.new_id(), user_id=user.id,
                            role=invitation.role, created_at=now, updated_at=now)
            uow.members.add(member)
            invitation.accept(now)
            uow.invitations.update(invitation)
            uow.audit.append(org.id, AuditEvent(
                actor=Actor(type=ActorType.USER, label=user.email, id=user.id),
                action="invitation.accepted", resource_type="invitation",
                resource_id=str(invitation.id),
                details={"member_id": str(member.id), "role": str(member.role)}))
            uow.commit()
            return summary(member, user)

    def _user_for(self, uow, email: str, cmd: AcceptInvitation, now: datetime) -> User:
        """The invitee's account: made now if new, given a password if it had none."""
        user = uow.users.get_by_email(email)
        if user is not None and user.password_hash:
            return user
        if not cmd.password:
            raise InvalidInput("choose a password to accept the invitation", code="password_required",
                               errors={"password": ["required for a new account"]})
        check_password(cmd.password, email=email)
        if user is None:
            user = User.create(id=self._ids.new_id(), email=email,
                               full_name=cmd.full_name or email.split("@", 1)[0], now=now)
            user.password_hash = self._hasher.hash(cmd.password)
            uow.users.add(user)
        else:
            user.password_hash = self._hasher.hash(cmd.password)
            user.updated_at = now
            uow.users.update(user)
        return user
