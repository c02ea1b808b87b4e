"""Tenant tables of signing in: sessions, API keys (and their global prefix index), invitations.
As every tenant repository: org_id in every query, never an update of org_id or id."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import bindparam, insert, or_, select, tuple_, update

from adapters.postgres.tables import api_key_prefixes, api_keys, invitations, sessions
from adapters.postgres.tenant_repositories import TenantScoped
from adapters.postgres.transaction import Compiled, Transaction
from application.ports.repositories import ApiKeyRepository, InvitationRepository, SessionRepository
from domain.api_key import ApiKey, Scope
from domain.invitation import Invitation
from domain.member import Role
from domain.session import Session

_SESSION_COLUMNS = ("org_id", "id", "user_id", "refresh_token_id", "expires_at", "created_at",
                    "updated_at", "revoked_at", "revoked_reason", "ip", "user_agent")
_THIS_LIVE_SESSION = (sessions.c.org_id == bindparam("org_id"), sessions.c.id == bindparam("id"),
                      sessions.c.revoked_at.is_(None))
_ROTATE = Compiled(update(sessions)
                   .where(*_THIS_LIVE_SESSION, sessions.c.refresh_token_id == bindparam("previous"))
                   .values(refresh_token_id=bindparam("token"), updated_at=bindparam("now")))
_REVOKE = Compiled(update(sessions).where(*_THIS_LIVE_SESSION).values(
    revoked_at=bindparam("at"), revoked_reason=bindparam("reason"), updated_at=bindparam("at")))


class PgSessions(TenantScoped, SessionRepository):
    def add(self, s: Session) -> None:
        self._execute(insert(sessions).values(**{c: getattr(s, c) for c in _SESSION_COLUMNS}))

    def get(self, org_id: uuid.UUID, session_id: uuid.UUID) -> Session | None:
        query = select(sessions).where(sessions.c.org_id == org_id, sessions.c.id == session_id)
        row = self._execute(query).one_or_none()
        return Session(**{c: getattr(row, c) for c in _SESSION_COLUMNS}) if row else None

    def rotate(self, s: Session, *, previous_token_id: str) -> bool:
        return self._run(_ROTATE, {"org_id": s.org_id, "id": s.id, "previous": previous_token_id,
                                   "token": s.refresh_token_id, "now": s.updated_at}) == 1

    def revoke(self, s: Session) -> bool:
        return self._run(_REVOKE, {"org_id": s.org_id, "id": s.id, "at": s.revoked_at,
                                   "reason": s.revoked_reason}) == 1

    def revoke_all_of_user(self, user_id: uuid.UUID, reason: str, now: datetime, *,
                           keep: uuid.UUID | None = None) -> int:
        c = sessions.c
        statement = (update(sessions)
                     .where(c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > now,
                            *([c.id != keep] if keep is not None else []))
                     .values(revoked_at=now, revoked_reason=reason, updated_at=now))
        return self._execute(statement).rowcount

    def live_of_user(self, user_id: uuid.UUID, now: datetime, *, limit: int) -> list[Session]:
        c = sessions.c
        query = (select(sessions).where(c.user_id == user_id, c.revoked_at.is_(None),
                                        c.expires_at > now)
                 .order_by(c.created_at.desc(), c.id.desc()).limit(limit))
        return [Session(**{k: getattr(row, k) for k in _SESSION_COLUMNS})
                for row in self._execute(query)]

    def revoke_of_user(self, user_id: uuid.UUID, session_id: uuid.UUID, reason: str,
                       now: datetime) -> Session | None:
        c = sessions.c
        statement = (update(sessions)
                     .where(c.user_id == user_id, c.id == session_id, c.revoked_at.is_(None),
                            c.expires_at > now)
                     .values(revoked_at=now, revoked_reason=reason, updated_at=now)
                     .returning(*sessions.c))
        row = self._execute(statement).one_or_none()
        return Session(**{k: getattr(row, k) for k in _SESSION_COLUMNS}) if row else None

    def revoke_all_in_org(self, org_id: uuid.UUID, user_id: uuid.UUID, reason: str,
                          now: datetime, *, keep: uuid.UUID | None = None) -> int:
        c = sessions.c
        statement = (update(sessions)
                     .where(c.org_id == org_id, c.user_id == user_id, c.revoked_at.is_(None),
                            *([c.id != keep] if keep is not None else []))
                     .values(revoked_at=now, revoked_reason=reason, updated_at=now))
        return self._execute(statement).rowcount


_KEY_COLUMNS = ("org_id", "id", "name", "prefix", "secret_hash", "created_by", "expires_at",
                "last_used_at", "revoked_at", "created_at", "updated_at")


_LOCATE = Compiled(select(api_key_prefixes.c.org_id)
                   .where(api_key_prefixes.c.prefix == bindparam("prefix")))


_RECORD_USE = Compiled(
    update(api_keys)
    .where(api_keys.c.org_id == bindparam("org_id"), api_keys.c.id == bindparam("id"),
           or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at < bindparam("since")))
    .values(last_used_at=bindparam("now")))


class KeyLocations:
    """Which org an API key prefix belongs to, remembered per process (bounded, least recently
    used out). Safe to keep without invalidation: the application role may only SELECT and
    INSERT `api_key_prefixes` (never update or delete), so a prefix's org never changes; whether
    the key is still live is read in the request's own transaction every time."""

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._orgs: OrderedDict[str, uuid.UUID] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, prefix: str) -> uuid.UUID | None:
        with self._lock:
            org_id = self._orgs.get(prefix)
            if org_id is not None:
                self._orgs.move_to_end(prefix)
            return org_id

    def remember(self, prefix: str, org_id: uuid.UUID) -> None:
        with self._lock:
            self._orgs[prefix] = org_id
            if len(self._orgs) > self._capacity:
                self._orgs.popitem(last=False)


class PgApiKeys(TenantScoped, ApiKeyRepository):
    def __init__(self, tx: Transaction, locations: KeyLocations) -> None:
        super().__init__(tx)
        self._locations = locations

    def add(self, k: ApiKey) -> None:
        self._execute(insert(api_keys).values(**{c: getattr(k, c) for c in _KEY_COLUMNS},
                                              scopes=sorted(s.value for s in k.scopes)))
        self._tx.execute(insert(api_key_prefixes).values(id=k.id, prefix=k.prefix, org_id=k.org_id))

    def locate(self, prefix: str) -> uuid.UUID | None:
        org_id = self._locations.get(prefix)
        if org_id is None:
            rows = self._tx.lookup(_LOCATE, {"prefix": prefix})
            if not rows:
                return None
            org_id = rows[0].org_id
            self._locations.remember(prefix, org_id)
        return org_id

    def get(self, org_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        return self._one(api_keys.c.org_id == org_id, api_keys.c.id == key_id)

    def _one(self, *conditions) -> ApiKey | None:
        row = self._execute(select(api_keys).where(*conditions)).one_or_none()
        return key_of(row) if row else None

    def list(self, org_id: uuid.UUID) -> list[ApiKey]:
        query = (select(api_keys).where(api_keys.c.org_id == org_id)
                 .order_by(api_keys.c.created_at, api_keys.c.id))
        return [key_of(row) for row in self._execute(query)]

    def record_use(self, k: ApiKey, *, unless_used_since: datetime) -> bool:
        return self._run(_RECORD_USE, {"org_id": k.org_id, "id": k.id, "now": k.last_used_at,
                                       "since": unless_used_since}) == 1

    def update(self, k: ApiKey) -> None:
        self._set(k, name=k.name, expires_at=k.expires_at, last_used_at=k.last_used_at,
                  revoked_at=k.revoked_at, updated_at=k.updated_at)

    def revoke_created_by(self, org_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> int:
        c = api_keys.c
        return self._execute(update(api_keys).where(
            c.org_id == org_id, c.created_by == user_id, c.revoked_at.is_(None),
        ).values(revoked_at=now, updated_at=now)).rowcount

    def _set(self, k: ApiKey, **values) -> None:
        self._execute(update(api_keys).where(api_keys.c.org_id == k.org_id, api_keys.c.id == k.id)
                      .values(**values))


def key_of(row, prefix: str = "") -> ApiKey:
    """An ApiKey from a row with the api_keys columns, optionally under a label prefix."""
    return ApiKey(**{c: getattr(row, prefix + c) for c in _KEY_COLUMNS},
                  scopes=frozenset(Scope(s) for s in getattr(row, prefix + "scopes")))


_INVITATION_COLUMNS = ("org_id", "id", "email", "role", "token_hash", "invited_by", "expires_at",
                       "created_at", "updated_at", "accepted_at")


class PgInvitations(TenantScoped, InvitationRepository):
    def add(self, i: Invitation) -> None:
        self._execute(insert(invitations).values(
            **{c: getattr(i, c) for c in _INVITATION_COLUMNS} | {"role": i.role.value}))

    def get_by_hash(self, org_id: uuid.UUID, token_hash: str) -> Invitation | None:
        query = select(invitations).where(invitations.c.org_id == org_id,
                                          invitations.c.token_hash == token_hash)
        row = self._execute(query).one_or_none()
        return _invitation(row) if row else None

    def get(self, org_id: uuid.UUID, invitation_id: uuid.UUID) -> Invitation | None:
        query = select(invitations).where(invitations.c.org_id == org_id,
                                          invitations.c.id == invitation_id)
        row = self._execute(query).one_or_none()
        return _invitation(row) if row else None

    def open_page(self, org_id: uuid.UUID, now: datetime, *,
                  after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[Invitation]:
        c = invitations.c
        conditions = [c.org_id == org_id, c.accepted_at.is_(None), c.expires_at > now]
        if after is not None:
            conditions.append(tuple_(c.created_at, c.id) > tuple_(*after))
        query = select(invitations).where(*conditions).order_by(c.created_at, c.id).limit(limit)
        return [_invitation(row) for row in self._execute(query)]

    def pending_for(self, org_id: uuid.UUID, email: str) -> Invitation | None:
        c = invitations.c
        query = (select(invitations).where(c.org_id == org_id, c.email == email,
                                           c.accepted_at.is_(None))
                 .order_by(c.created_at.desc(), c.id.desc()).limit(1))
        row = self._execute(query).one_or_none()
        return _invitation(row) if row else None

    def renew(self, i: Invitation) -> bool:
        c = invitations.c
        return self._execute(update(invitations).where(
            c.org_id == i.org_id, c.id == i.id, c.accepted_at.is_(None),
        ).values(role=i.role.value, token_hash=i.token_hash, expires_at=i.expires_at,
                 invited_by=i.invited_by, updated_at=i.updated_at)).rowcount == 1

    def rekey(self, i: Invitation, token_hash: str, now: datetime) -> bool:
        c = invitations.c
        return self._execute(update(invitations).where(
            c.org_id == i.org_id, c.id == i.id, c.token_hash == i.token_hash,
            c.accepted_at.is_(None), c.expires_at > now,
        ).values(token_hash=token_hash)).rowcount == 1

    def expire_sent_by(self, org_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> int:
        c = invitations.c
        return self._execute(update(invitations).where(
            c.org_id == org_id, c.invited_by == user_id, c.accepted_at.is_(None),
            c.expires_at > now,
        ).values(expires_at=now, updated_at=now)).rowcount

    def claim(self, i: Invitation) -> bool:
        return self._run(_CLAIM_INVITATION, {"org_id": i.org_id, "id": i.id,
                                             "at": i.accepted_at}) == 1


_CLAIM_INVITATION = Compiled(update(invitations).where(
    invitations.c.org_id == bindparam("org_id"), invitations.c.id == bindparam("id"),
    invitations.c.accepted_at.is_(None),
    invitations.c.expires_at > bindparam("at"),  # not ended meanwhile (its sender's role changed)
).values(accepted_at=bindparam("at"), updated_at=bindparam("at")))


def _invitation(row) -> Invitation:
    return Invitation(**{c: getattr(row, c) for c in _INVITATION_COLUMNS} | {"role": Role(row.role)})
