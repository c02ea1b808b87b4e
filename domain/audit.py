"""The audit trail: append-only entries, hash-chained per organization.

Each entry's hash covers a canonical JSON encoding of its content and its predecessor's
hash, so changing, removing or reordering any entry breaks every link after it.
"""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from attrs import define, field

GENESIS_HASH = "0" * 64


class ActorType(enum.StrEnum):
    USER = "user"
    API_KEY = "api_key"
    OPERATOR = "operator"
    SYSTEM = "system"


@define(frozen=True)
class Actor:
    """Who acted: a signed-in user, an API key, or an operator at the CLI.

    `org_id` is the organization the credential was issued for; operators have none.
    `scopes` limit what an API key may do.
    """

    type: ActorType
    label: str
    id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None
    scopes: frozenset[str] = frozenset()

    @classmethod
    def operator(cls, name: str) -> Actor:
        return cls(type=ActorType.OPERATOR, label=name)


@define(frozen=True)
class AuditEvent:
    """What happened, before it takes its place in the chain."""

    actor: Actor
    action: str
    resource_type: str
    resource_id: str
    details: dict[str, Any] = field(factory=dict)
    ip: str | None = None
    user_agent: str | None = None


@define(frozen=True)
class AuditEntry:
    org_id: uuid.UUID
    id: uuid.UUID
    seq: int
    actor_type: ActorType
    actor_id: uuid.UUID | None
    actor_label: str
    action: str
    resource_type: str
    resource_id: str
    details: dict[str, Any]
    ip: str | None
    user_agent: str | None
    created_at: datetime
    prev_hash: str
    hash: str

    @classmethod
    def chained(cls, event: AuditEvent, *, org_id: uuid.UUID, id: uuid.UUID, now: datetime,
                previous: AuditEntry | None) -> AuditEntry:
        seq = previous.seq + 1 if previous else 1
        prev_hash = previous.hash if previous else GENESIS_HASH
        content = dict(
            org_id=org_id, id=id, seq=seq, actor_type=event.actor.type,
            actor_id=event.actor.id, actor_label=event.actor.label, action=event.action,
            resource_type=event.resource_type, resource_id=str(event.resource_id),
            details=dict(event.details), ip=event.ip, user_agent=event.user_agent,
            created_at=now, prev_hash=prev_hash,
        )
        return cls(**content, hash=entry_hash(content))

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _HASHED_FIELDS}

    def recomputed_hash(self) -> str:
        return entry_hash(self.content())


_HASHED_FIELDS = (
    "org_id", "id", "seq", "actor_type", "actor_id", "actor_label", "action", "resource_type",
    "resource_id", "details", "ip", "user_agent", "created_at", "prev_hash",
)


def entry_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def canonical_json(content: dict[str, Any]) -> str:
    """Sorted keys, no whitespace, UUIDs and UTC timestamps as strings: stable across stores."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_encode)


def _encode(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(tz=UTC).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID | enum.Enum):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__} in an audit entry")


@define(frozen=True)
class BrokenLink:
    seq: int
    entry_id: uuid.UUID | None
    reason: str


def find_broken_link(entries: Iterable[AuditEntry]) -> BrokenLink | None:
    """Walk one organization's entries in sequence order; name the first that does not hold."""
    expected_seq, expected_prev = 1, GENESIS_HASH
    for entry in entries:
        if entry.seq != expected_seq:
            return BrokenLink(expected_seq, None,
                              f"entry #{expected_seq} is missing (found #{entry.seq} next)")
        if entry.prev_hash != expected_prev:
            return BrokenLink(entry.seq, entry.id,
                              "its prev_hash does not match the previous entry's hash")
        if entry.recomputed_hash() != entry.hash:
            return BrokenLink(entry.seq, entry.id, "its content does not match its hash")
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    return None



@define(frozen=True)
class ChainDigest:
    """An organization's chain head as it was at `made_at`: kept (signed) outside the database,
    it shows a chain cut short after it, or rewritten (even with every hash recomputed)."""

    org_id: uuid.UUID
    seq: int
    hash: str
    made_at: datetime

    def message(self) -> bytes:
        """What the digest's signature covers."""
        return f"{self.org_id}|{self.seq}|{self.hash}|{self.made_at.isoformat()}".encode()


def check_against_digest(entries: list[AuditEntry], digest: ChainDigest) -> BrokenLink | None:
    """Whether the chain still holds the entry the digest saw, with the hash it saw."""
    if digest.seq == 0:
        return None
    found = next((e for e in entries if e.seq == digest.seq), None)
    if found is None:
        last = entries[-1].seq if entries else 0
        return BrokenLink(digest.seq, None,
                          f"truncated: the digest of {digest.made_at:%Y-%m-%d %H:%M} UTC saw "
                          f"entry #{digest.seq}, the chain now ends at #{last}")
    if found.hash != digest.hash:
        return BrokenLink(found.seq, found.id,
                          f"recomputed: entry #{found.seq} no longer has the hash that the digest "
                          f"of {digest.made_at:%Y-%m-%d %H:%M} UTC saw")
    return None
