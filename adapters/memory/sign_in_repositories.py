"""Tenant tables of signing in, in memory: sessions, API keys (and their global prefix index),
invitations. As every tenant repository, they see only the bound organization."""

from __future__ import annotations

import uuid
from datetime import datetime

import attrs

from adapters.memory.draft_table import first_row
from adapters.memory.tenant_repositories import TenantScoped
from application.errors import TenantContextMissing
from application.ports.repositories import ApiKeyRepository, InvitationRepository, SessionRepository
from domain.api_key import ApiKey
from domain.errors import Conflict
from domain.invitation import Invitation
from domain.session import Session


class MemorySessions(TenantScoped, SessionRepository):
    def add(self, session: Session) -> None:
        if not self._visible(session.org_id):
            raise TenantContextMissing("a session may only be added to the bound organization")
        self._t.sessions[(session.org_id, session.id)] = session

    def get(self, org_id: uuid.UUID, session_id: uuid.UUID) -> Session | None:
        return self._t.sessions.get((org_id, session_id)) if self._visible(org_id) else None

    def rotate(self, session: Session, *, previous_token_id: str) -> bool:
        live = self._live(session)
        if live is None or live.refresh_token_id != previous_token_id:
            return False
        return self._write(session, refresh_token_id=session.refresh_token_id,
                           updated_at=session.updated_at)

    def revoke(self, session: Session) -> bool:
        if self._live(session) is None:
            return False
        return self._write(session, revoked_at=session.revoked_at,
                           revoked_reason=session.revoked_reason, updated_at=session.revoked_at)

    def _live(self, session: Session) -> Session | None:
        """The session as last written, if it is not revoked (no copy: for looking)."""
        if not self._visible(session.org_id):
            return None
        stored = self._t.sessions.stored((session.org_id, session.id))
        return stored if stored is not None and stored.revoked_at is None else None

    def _write(self, session: Session, **changes) -> bool:
        key = (session.org_id, session.id)
        row = self._t.sessions[key]
        for name, value in changes.items():
            setattr(row, name, value)
        self._t.sessions[key] = row
        return True

    def revoke_all_of_user(self, user_id: uuid.UUID, reason: str, now: datetime, *,
                           keep: uuid.UUID | None = None) -> int:
        live = [k for k in self._live_keys(user_id, now) if k[1] != keep]
        for key in live:
            self._end(key, reason, now)
        return len(live)

    def live_of_user(self, user_id: uuid.UUID, now: datetime, *, limit: int) -> list[Session]:
        found = [self._t.sessions[k] for k in self._live_keys(user_id, now)]
        found.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return found[:limit]

    def revoke_of_user(self, user_id: uuid.UUID, session_id: uuid.UUID, reason: str,
                       now: datetime) -> Session | None:
        keys = [k for k in self._live_keys(user_id, now) if k[1] == session_id]
        return self._end(keys[0], reason, now) if keys else None

    def _live_keys(self, user_id: uuid.UUID, now: datetime) -> list:
        """The user scope, as PostgreSQL's session_self policies give it: that user's rows
        only, and none while a tenant is bound."""
        if self._bound_user() != user_id or self._bound_org() is not None:
            raise TenantContextMissing("a user's own sessions need that user's scope")
        return [k for k, s in self._t.sessions.items()  # peeked: looked at, not changed
                if s.user_id == user_id and s.is_active(now)]

    def _end(self, key, reason: str, now: datetime) -> Session:
        session = self._t.sessions[key]  # this transaction's own copy
        session.revoke(reason, now)
        self._t.sessions[key] = session
        return session

    def revoke_all_in_org(self, org_id: uuid.UUID, user_id: uuid.UUID, reason: str,
                          now: datetime, *, keep: uuid.UUID | None = None) -> int:
        if not self._visible(org_id):
            return 0
        live = [k for k, s in self._t.sessions.items()
                if k[0] == org_id and s.user_id == user_id and s.revoked_at is None
                and k[1] != keep]
        for key in live:
            self._end(key, reason, now)
        return len(live)


class MemoryApiKeys(TenantScoped, ApiKeyRepository):
    def add(self, key: ApiKey) -> None:
        if not self._visible(key.org_id):
            raise TenantContextMissing("an API key may only be added to the bound organization")
        if key.prefix in self._t.api_key_prefixes:
            raise Conflict("API key prefix collision", code="api_key_prefix_taken")
        self._t.api_keys[(key.org_id, key.id)] = key
        self._t.api_key_prefixes[key.prefix] = key.org_id

    def locate(self, prefix: str) -> uuid.UUID | None:
        return self._t.api_key_prefixes.peek(prefix)

    def get(self, org_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        return self._t.api_keys.get((org_id, key_id)) if self._visible(org_id) else None

    def list(self, org_id: uuid.UUID) -> list[ApiKey]:
        return [self._t.api_keys[k] for k, _ in self._rows(org_id)]

    def _rows(self, org_id: uuid.UUID) -> list[tuple[tuple[uuid.UUID, uuid.UUID], ApiKey]]:
        if not self._visible(org_id):
            return []
        found = [(k, key) for k, key in self._t.api_keys.items() if k[0] == org_id]
        return sorted(found, key=lambda row: (row[1].created_at, row[1].id))

    def update(self, key: ApiKey) -> None:
        row = (key.org_id, key.id)
        if self._visible(key.org_id) and row in self._t.api_keys:
            self._t.api_keys[row] = key

    def revoke_created_by(self, org_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> int:
        if not self._visible(org_id):
            raise TenantContextMissing("keys may only be revoked in the bound organization")
        live = [row for row, k in self._t.api_keys.items()  # peeked: looked at, not changed
                if row[0] == org_id and k.created_by == user_id and k.revoked_at is None]
        for row in live:
            key = self._t.api_keys[row]  # this transaction's own copy
            key.revoke(now)
            self._t.api_keys[row] = key
        return len(live)

    def record_use(self, key: ApiKey, *, unless_used_since: datetime) -> bool:
        """Units of work run one at a time here, so no use can have slipped in since `key` was
        read: the condition the PostgreSQL adapter checks always holds."""
        row = (key.org_id, key.id)
        if not self._visible(key.org_id) or row not in self._t.api_keys:
            return False
        stored = self._t.api_keys[row]
        stored.last_used_at = key.last_used_at
        self._t.api_keys[row] = stored
        return True


class MemoryInvitations(TenantScoped, InvitationRepository):
    def add(self, invitation: Invitation) -> None:
        if not self._visible(invitation.org_id):
            raise TenantContextMissing("an invitation may only be added to the bound organization")
        self._t.invitations[(invitation.org_id, invitation.id)] = invitation

    def get_by_hash(self, org_id: uuid.UUID, token_hash: str) -> Invitation | None:
        if not self._visible(org_id):
            return None
        return first_row(self._t.invitations, (k for k, i in self._t.invitations.items()
                                            if k[0] == org_id and i.token_hash == token_hash))

    def get(self, org_id: uuid.UUID, invitation_id: uuid.UUID) -> Invitation | None:
        if not self._visible(org_id):
            return None
        return self._t.invitations.get((org_id, invitation_id))

    def open_page(self, org_id: uuid.UUID, now: datetime, *,
                  after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[Invitation]:
        if not self._visible(org_id):
            raise TenantContextMissing("invitations are listed in the bound organization")
        found = sorted((i for (oid, _), i in self._t.invitations.items()
                        if oid == org_id and i.open(now)), key=lambda i: (i.created_at, i.id))
        return [i for i in found if after is None or (i.created_at, i.id) > after][:limit]

    def pending_for(self, org_id: uuid.UUID, email: str) -> Invitation | None:
        if not self._visible(org_id):
            return None
        rows = sorted(((i.created_at, k) for k, i in self._t.invitations.items()
                       if k[0] == org_id and i.email == email and i.accepted_at is None),
                      reverse=True)
        return self._t.invitations[rows[0][1]] if rows else None

    def renew(self, invitation: Invitation) -> bool:
        return self._write_while_pending(invitation)

    def rekey(self, invitation: Invitation, token_hash: str, now: datetime) -> bool:
        key = (invitation.org_id, invitation.id)
        stored = self._t.invitations.stored(key) if self._visible(invitation.org_id) else None
        if stored is None or stored.token_hash != invitation.token_hash:
            return False
        return self._write_while_pending(attrs.evolve(stored, token_hash=token_hash), open_at=now)

    def expire_sent_by(self, org_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> int:
        if not self._visible(org_id):
            raise TenantContextMissing("invitations may only be ended in the bound organization")
        sent = [row for row, i in self._t.invitations.items()  # peeked: looked at, not changed
                if row[0] == org_id and i.invited_by == user_id and i.open(now)]
        for row in sent:
            invitation = self._t.invitations[row]  # this transaction's own copy
            invitation.expire(now)
            self._t.invitations[row] = invitation
        return len(sent)

    def claim(self, invitation: Invitation) -> bool:
        return self._write_while_pending(invitation, open_at=invitation.accepted_at)

    def _write_while_pending(self, invitation: Invitation, open_at: datetime | None = None) -> bool:
        """Store it unless the stored invitation was accepted (or is not visible), or has
        ended by `open_at`: the conditional write that PostgreSQL does with `WHERE
        accepted_at IS NULL [AND expires_at > at]`."""
        key = (invitation.org_id, invitation.id)
        stored = self._t.invitations.stored(key) if self._visible(invitation.org_id) else None
        if (stored is None or stored.accepted_at is not None
                or (open_at is not None and stored.expires_at <= open_at)):
            return False
        self._t.invitations[key] = invitation
        return True
