"""API keys: created by owners and admins, shown once, revocable; they authenticate machines."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from attrs import define

from application.lookups import live_org
from application.permissions import Permission, authorize
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.api_key import KEY_PREFIX, ApiKey, parse_scopes
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import NotFound, Unauthenticated
from domain.organization import clean_name

LAST_USED_RESOLUTION = timedelta(minutes=1)  # writes at most once a minute per key
INVALID = "invalid or expired credentials"


@define(frozen=True)
class CreateApiKey:
    slug: str
    actor: Actor
    name: str
    scopes: list[str]
    expires_in_days: int | None = None


@define(frozen=True)
class ApiKeyView:
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyView:
        return cls(id=key.id, name=key.name, prefix=key.prefix, scopes=sorted(key.scopes),
                   created_at=key.created_at, expires_at=key.expires_at,
                   last_used_at=key.last_used_at, revoked_at=key.revoked_at)


@define(frozen=True)
class CreatedApiKey:
    key: ApiKeyView
    secret: str  # the full `gw_<prefix>_<secret>`, shown this once and never stored


@define(frozen=True)
class KeyPrincipal:
    """A caller authenticated by an API key."""

    org_id: uuid.UUID
    key_id: uuid.UUID
    actor: Actor


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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
            org = live_org(uow, cmd.slug, cmd.actor)
            authorize(uow, org, cmd.actor, Permission.MANAGE_API_KEYS)
            key = ApiKey(org_id=org.id, id=self._ids.new_id(), name=clean_name(cmd.name),
                         prefix=prefix, secret_hash=_digest(secret), scopes=scopes,
                         created_by=cmd.actor.id if cmd.actor.type is ActorType.USER else None,
                         created_at=now, updated_at=now,
                         expires_at=now + timedelta(days=cmd.expires_in_days)
                         if cmd.expires_in_days else None)
            uow.api_keys.add(key)
            uow.audit.append(org.id, AuditEvent(
                actor=cmd.actor, action="api_key.created", resource_type="api_key",
                resource_id=str(key.id),
                details={"name": key.name, "prefix": prefix, "scopes": sorted(scopes)}))
            uow.commit()
        return CreatedApiKey(key=ApiKeyView.of(key), secret=f"{KEY_PREFIX}_{prefix}_{secret}")

    def list(self, slug: str, actor: Actor) -> list[ApiKeyView]:
        with self._uow_factory() as uow:
            org = live_org(uow, slug, actor)
            authorize(uow, org, actor, Permission.MANAGE_API_KEYS)
            return [ApiKeyView.of(k) for k in uow.api_keys.list(org.id)]

    def revoke(self, slug: str, key_id: uuid.UUID, actor: Actor) -> ApiKeyView:
        with self._uow_factory() as uow:
            org = live_org(uow, slug, actor)
            authorize(uow, org, actor, Permission.MANAGE_API_KEYS)
            key = uow.api_keys.get(org.id, key_id)
            if key is None:
                raise NotFound(f"no API key {key_id} in {org.slug!r}", code="api_key_not_found")
            if key.revoked_at is None:
                key.revoke(self._clock.now())
                uow.api_keys.update(key)
                uow.audit.append(org.id, AuditEvent(
                    actor=actor, action="api_key.revoked", resource_type="api_key",
                    resource_id=str(key.id), details={"prefix": key.prefix}))
                uow.commit()
            return ApiKeyView.of(key)

    def authenticate(self, presented: str) -> KeyPrincipal:
        marker, _, rest = presented.partition("_")
        prefix, _, secret = rest.partition("_")
        if marker != KEY_PREFIX or not prefix or not secret:
            raise Unauthenticated(INVALID)
        now = self._clock.now()
        with self._uow_factory() as uow:
            org_id = uow.api_keys.locate(prefix)
            if org_id is None:
                raise Unauthenticated(INVALID)
            uow.bind(org_id)
            key = uow.api_keys.get_by_prefix(org_id, prefix)
            org = uow.orgs.get(org_id)
            if (key is None or org is None or not org.is_active or not key.usable(now)
                    or not hmac.compare_digest(key.secret_hash, _digest(secret))):
                raise Unauthenticated(INVALID)
            actor = Actor(type=ActorType.API_KEY, label=f"api_key:{key.prefix}", id=key.id,
                          org_id=org_id, scopes=frozenset(key.scopes))
            if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
                if key.last_used_at is None:
                    uow.audit.append(org_id, AuditEvent(
                        actor=actor, action="api_key.first_used", resource_type="api_key",
                        resource_id=str(key.id)))
                key.last_used_at = now
                uow.api_keys.update(key)
                uow.commit()
        return KeyPrincipal(org_id=org_id, key_id=key.id, actor=actor)
