"""A signed-in person's own account: their name, their password, where they are signed in
(and ending one of those sessions or all the others). Each needs a person's session (never an API key)."""

from __future__ import annotations

import uuid
from datetime import datetime

from attrs import define

from application.cursors import decode_position, encode_position, page_of
from application.own_password import prove_own_password
from application.ports.security import AttemptThrottle, PasswordHasher
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principals import Principal, SessionCredential, enter
from application.user_scope import (
    audit_in_each,
    end_pending_links,
    end_sessions_everywhere,
    orgs_of,
)
from domain.audit import AuditEvent
from domain.errors import InvalidInput, NotFound
from domain.password import check_password
from domain.session import Session

MAX_SESSIONS_LISTED = 100
# _GLOBAL_FIRST: a transaction changes a person's (global) row before it reads or writes the
# tenant tables of several orgs at once. Citus refuses a change to a reference table after a
# parallel multi-shard access in the same transaction; the other way round it is fine.


@define(frozen=True)
class ChangePassword:
    actor: SessionCredential
    current_password: str
    new_password: str
    ip: str | None = None
    user_agent: str | None = None


@define(frozen=True)
class SessionSummary:
    id: uuid.UUID
    org_slug: str
    org_name: str
    created_at: datetime
    last_used_at: datetime  # its sign-in or its refresh token's last rotation
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool


@define(frozen=True)
class SessionPage:
    sessions: list[SessionSummary]
    next_cursor: str | None


class AccountService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, hasher: PasswordHasher,
                 throttle: AttemptThrottle) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._hasher = hasher
        self._throttle = throttle

    def change_password(self, cmd: ChangePassword) -> int:
        """Needs the current password (its guesses count with sign-in attempts); every other
        session of the person ends, in every org; audited in each. How many ended."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, None, now=now)
            user = uow.users.get(principal.user_id)
        prove_own_password(self._throttle, self._hasher, user, cmd.current_password, cmd.ip,
                           field="current_password")
        if cmd.new_password == cmd.current_password:
            raise InvalidInput("the new password is the current one", code="password_unchanged",
                               errors={"new_password": ["must differ from the current one"]})
        check_password(cmd.new_password, email=user.email)
        password_hash = self._hasher.hash(cmd.new_password)  # with no connection held
        with self._uow_factory() as uow:
            user = uow.users.get(user.id)
            user.set_password(password_hash, now)
            uow.users.update(user)  # global rows before tenant ones (Citus: see _GLOBAL_FIRST)
            end_pending_links(uow, user, now)
            org_ids = orgs_of(uow, user)
            principal = enter(uow, cmd.actor, None, now=now)  # still live, now
            ended = end_sessions_everywhere(uow, user, org_ids, "password_changed", now,
                                            keep=cmd.actor.session_id)
            audit_in_each(uow, org_ids, AuditEvent(
                actor=principal.actor, action="auth.password_changed", resource_type="user",
                resource_id=str(user.id), details={"sessions_ended": ended, "by": "self"},
                ip=cmd.ip, user_agent=cmd.user_agent))
            uow.commit()
        return ended

    def rename(self, credential: SessionCredential, full_name: str) -> str:
        """Change my name; audited in each of my orgs, whose members see it. The name kept."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            user = uow.users.get(credential.user_id)
            previous = user.full_name
            user.rename(full_name, now)
            if user.full_name != previous:
                uow.users.update(user)  # global rows before tenant ones (see _GLOBAL_FIRST)
            org_ids = orgs_of(uow, user)  # the user scope comes before any tenant
            principal = enter(uow, credential, None, now=now)
            if user.full_name != previous:
                audit_in_each(uow, org_ids, AuditEvent(
                    actor=principal.actor, action="user.renamed", resource_type="user",
                    resource_id=str(user.id), details={"from": previous, "to": user.full_name}))
            uow.commit()
        return user.full_name

    def sessions(self, credential: SessionCredential, *, cursor: str | None = None,
                 limit: int = 50) -> SessionPage:
        """My live sessions, newest first, a page at a time (of the newest
        MAX_SESSIONS_LISTED)."""
        now, after = self._clock.now(), decode_position(cursor, "sessions")
        with self._uow_factory() as uow:
            uow.bind_user(credential.user_id)  # the user scope comes before any tenant
            live = uow.sessions.live_of_user(credential.user_id, now, limit=MAX_SESSIONS_LISTED)
            enter(uow, credential, None, now=now)  # this session is live
            orgs = {org_id: uow.orgs.get(org_id) for org_id in {s.org_id for s in live}}
        summaries = [SessionSummary(
            id=s.id, org_slug=orgs[s.org_id].slug, org_name=orgs[s.org_id].name,
            created_at=s.created_at, last_used_at=s.updated_at, expires_at=s.expires_at,
            ip=s.ip, user_agent=s.user_agent, current=s.id == credential.session_id)
            for s in live if orgs.get(s.org_id) is not None]
        page, last = page_of(summaries, lambda s: (s.created_at, s.id), after, limit,
                             newest_first=True)
        return SessionPage(sessions=page, next_cursor=last and encode_position(
            "sessions", last.created_at, last.id))

    def end_session(self, credential: SessionCredential, session_id: uuid.UUID) -> None:
        """End one of my sessions, in whichever org (this one too: that is signing out)."""
        principal = self._caller(credential)
        with self._uow_factory() as uow:
            uow.bind_user(credential.user_id)
            ended = uow.sessions.revoke_of_user(credential.user_id, session_id,
                                                "ended_by_user", self._clock.now())
            if ended is None:
                raise NotFound("no such session of yours", code="session_not_found")
            _audit_ended(uow, principal, [ended])
            uow.commit()

    def end_other_sessions(self, credential: SessionCredential) -> int:
        now = self._clock.now()
        with self._uow_factory() as uow:
            uow.bind_user(credential.user_id)
            others = [s for s in uow.sessions.live_of_user(credential.user_id, now, limit=10_000)
                      if s.id != credential.session_id]
            ended = uow.sessions.revoke_all_of_user(credential.user_id, "ended_by_user", now,
                                                    keep=credential.session_id)
            principal = enter(uow, credential, None, now=now)  # after the user scope
            _audit_ended(uow, principal, others)
            uow.commit()
        return ended

    def _caller(self, credential: SessionCredential) -> Principal:
        """The caller, checked live in a transaction of its own (a tenant binding would hide
        the user scope that ending a session in another org needs)."""
        with self._uow_factory() as uow:
            return enter(uow, credential, None, now=self._clock.now())


def _audit_ended(uow: UnitOfWork, principal: Principal, ended: list[Session]) -> None:
    for session in ended:
        uow.bind(session.org_id)
        uow.audit.append(session.org_id, AuditEvent(
            actor=principal.actor, action="auth.session_ended", resource_type="session",
            resource_id=str(session.id), details={"reason": "ended_by_user"}))
