"""The audit trail: append-only entries, hash-chained per organization.

Each entry's hash covers a canonical JSON encoding of its content and its predecessor's
hash, so changing, removing or reordering any entry breaks every link after it. Since hash
version 2 the personal fields are hashed as salted digests (domain/audit_pii.py), so that they
can be erased without breaking the chain; version 1 entries hash them as they are.
"""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import attrs
from attrs import define, field

from domain.audit_pii import (
    ERASED,
    Person,
    fields_about,
    new_salt,
    pii_fields,
    read_field,
    salted_digest,
    write_field,
)
from domain.audit_retention import AuditCheckpoint

GENESIS_HASH = "0" * 64
HASH_VERSION = 2  # what new entries get; 1: written before personal fields were digested


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
    hash_version: int = 1
    pii_salts: dict[str, str] = field(factory=dict)  # field -> salt of its digest
    erased: dict[str, str] = field(factory=dict)  # field -> digest of the value it held

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
        salts = {name: new_salt() for name in pii_fields(event.action, content, event.details)}
        entry = cls(**content, hash="", hash_version=HASH_VERSION, pii_salts=salts)
        return attrs.evolve(entry, hash=entry.recomputed_hash())

    def content(self) -> dict[str, Any]:
        """The hashed fields as stored."""
        return {name: getattr(self, name) for name in _HASHED_FIELDS}

    def hashed_content(self) -> dict[str, Any]:
        """What the hash covers: the content, with each personal field (version 2) as its
        digest, and which fields those are."""
        content = self.content()
        if self.hash_version == 1:
            return content
        content["details"] = dict(self.details)
        for name, salt in self.pii_salts.items():
            write_field(content, name, salted_digest(salt, canonical_json(read_field(content, name))))
        for name, digest in self.erased.items():
            write_field(content, name, digest)
        return content | {"hash_version": self.hash_version,
                          "pii": sorted([*self.pii_salts, *self.erased])}

    def recomputed_hash(self) -> str:
        return entry_hash(self.hashed_content())

    def erase(self, names: Iterable[str]) -> AuditEntry:
        """The entry with these personal fields erased (those not salted are left: erased
        already, or of version 1, whose hash covers the values themselves)."""
        names = [name for name in names if name in self.pii_salts]
        if not names:
            return self
        content = {"details": dict(self.details), **{
            name: getattr(self, name) for name in ("actor_label", "ip", "user_agent",
                                                   "resource_id")}}
        salts, erased = dict(self.pii_salts), dict(self.erased)
        for name in names:
            erased[name] = salted_digest(salts.pop(name), canonical_json(read_field(content, name)))
            write_field(content, name, ERASED)
        return attrs.evolve(self, **content, pii_salts=salts, erased=erased)

    def erased_for(self, person: Person) -> AuditEntry:
        """The entry with this person's data erased (itself when it holds none it can erase)."""
        return self.erase(fields_about(self, person, self.pii_salts))

    def keeps_data_of(self, person: Person) -> bool:
        """A version 1 entry that holds this person's data: its hash covers the values
        themselves, so they stay (or the chain would break here)."""
        return self.hash_version == 1 and bool(fields_about(
            self, person, pii_fields(self.action, self.content(), self.details)))

    def inconsistency(self) -> str | None:
        """Why the entry's own record of its personal fields cannot be right, if it cannot."""
        if self.hash_version not in (1, HASH_VERSION):
            return f"its hash version {self.hash_version} is unknown"
        if self.hash_version == 1 and (self.pii_salts or self.erased):
            return "a version 1 entry has no digested fields"
        if set(self.pii_salts) & set(self.erased):
            return "a field is both salted and erased"
        content = self.content()
        for name in (*self.pii_salts, *self.erased):
            try:
                value = read_field(content, name)
            except KeyError:
                return f"it has no field {name!r} to digest"
            if name in self.erased and value != ERASED:
                return f"its erased field {name!r} holds a value"
        return None


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


def find_broken_link(entries: Iterable[AuditEntry],
                     start: AuditCheckpoint | None = None) -> BrokenLink | None:
    """Walk one organization's entries in sequence order, from the genesis or from the
    checkpoint that retention left; name the first that does not hold."""
    expected_seq, expected_prev = (start.seq + 1, start.hash) if start else (1, GENESIS_HASH)
    for entry in entries:
        if entry.seq != expected_seq:
            return BrokenLink(expected_seq, None,
                              f"entry #{expected_seq} is missing (found #{entry.seq} next)")
        if entry.prev_hash != expected_prev:
            return BrokenLink(entry.seq, entry.id,
                              "its prev_hash does not match the previous entry's hash")
        reason = entry.inconsistency()
        if reason is not None:
            return BrokenLink(entry.seq, entry.id, reason)
        if entry.recomputed_hash() != entry.hash:
            return BrokenLink(entry.seq, entry.id, "its content does not match its hash")
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    if start is not None and expected_seq == start.seq + 1:
        return BrokenLink(expected_seq, None, f"entry #{expected_seq} is missing (the chain "
                                              f"ends at its checkpoint #{start.seq})")
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


def check_against_digest(entries: list[AuditEntry], digest: ChainDigest,
                         start: AuditCheckpoint | None = None) -> BrokenLink | None:
    """Whether the chain still holds the entry the digest saw, with the hash it saw (an entry
    that retention removed is vouched for by the checkpoint, when it is the last removed)."""
    if digest.seq == 0:
        return None
    if start is not None and digest.seq <= start.seq:
        return None if digest.seq < start.seq or digest.hash == start.hash else BrokenLink(
            digest.seq, None, f"recomputed: the checkpoint at #{start.seq} does not have the "
                              f"hash that the digest of {digest.made_at:%Y-%m-%d %H:%M} UTC saw")
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
