"""API keys: created by owners and admins, shown once, revocable; they authenticate machines."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from attrs import define

from application.cursors import decode_position, encode_position, page_of
from application.permissions import Permission
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principals import Caller, enter, key_digest, require_confirmed_address
from application.quotas import enforce
from domain.api_key import KEY_PREFIX, ApiKey, parse_scopes
from domain.audit import AuditEvent
from domain.errors import NotFound
from domain.organization import clean_name
from domain.quota import Limit


@define(frozen=True)
class CreateApiKey:
    slug: str
    actor: Caller
    name: str
    scopes: list[str]
    expires_in_days: int | None = None


@define(frozen=True)
class ApiKeyPage:
    keys: list[ApiKeySummary]
    next_cursor: str | None


@define(frozen=True)
class ApiKeySummary:
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeySummary:
        return cls(id=key.id, name=key.name, prefix=key.prefix, scopes=sorted(key.scopes),
                   created_at=key.created_at, expires_at=key.expires_at,
                   last_used_at=key.last_used_at, revoked_at=key.revoked_at)


@define(frozen=True)
class CreatedApiKey:
    key: ApiKeySummary
    secret: str  # the full `gw_<prefix>_<secret>`, shown this once and never stored


class ApiKeyService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids

    def create(self, cmd: CreateApiKey) -> CreatedApiKey:
        scopes = parse_scopes(cmd.scopes)
        now = self._clock.now()
        prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self._uow_factory() as uow:
            principal = enter(uow, cmd.actor, Permission.MANAGE_API_KEYS, slug=cmd.slug, now=now)
            require_confirmed_address(uow, principal)
            org = principal.org
            enforce(uow, org.id, Limit.API_KEYS, now)
            key = ApiKey(org_id=org.id, id=self._ids.new_id(), name=clean_name(cmd.name),
                         prefix=prefix, secret_hash=key_digest(secret), scopes=scopes,
                         created_by=principal.user_id, created_at=now, updated_at=now,
                         expires_at=now + timedelta(days=cmd.expires_in_days)
                         if cmd.expires_in_days else None)
            uow.api_keys.add(key)
            uow.audit.append(org.id, AuditEvent(
                actor=principal.actor, action="api_key.created", resource_type="api_key",
                resource_id=str(key.id),
                details={"name": key.name, "prefix": prefix, "scopes": sorted(scopes)}))
            uow.commit()
        return CreatedApiKey(key=ApiKeySummary.of(key), secret=f"{KEY_PREFIX}_{prefix}_{secret}")

    def list(self, slug: str, actor: Caller, *, cursor: str | None = None,
             limit: int = 50) -> ApiKeyPage:
        """The org's keys, oldest first, a page at a time."""
        after = decode_position(cursor, "api_keys")
        with self._uow_factory() as uow:
            principal = enter(uow, actor, Permission.MANAGE_API_KEYS, slug=slug,
                              now=self._clock.now())
            keys = [ApiKeySummary.of(k) for k in uow.api_keys.list(principal.org.id)]
        page, last = page_of(keys, lambda k: (k.created_at, k.id), after, limit)
        return ApiKeyPage(keys=page, next_cursor=last and encode_position(
            "api_keys", last.created_at, last.id))

    def revoke(self, slug: str, key_id: uuid.UUID, actor: Caller) -> ApiKeySummary:
        now = self._clock.now()
        with self._uow_factory() as uow:
            principal = enter(uow, actor, Permission.MANAGE_API_KEYS, slug=slug, now=now)
            org = principal.org
            key = uow.api_keys.get(org.id, key_id)
            if key is None:
                raise NotFound(f"no API key {key_id} in {org.slug!r}", code="api_key_not_found")
            if key.revoked_at is None:
                key.revoke(now)
                uow.api_keys.update(key)
                uow.audit.append(org.id, AuditEvent(
                    actor=principal.actor, action="api_key.revoked", resource_type="api_key",
                    resource_id=str(key.id), details={"prefix": key.prefix}))
                uow.commit()
            return ApiKeySummary.of(key)
