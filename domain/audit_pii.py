"""Personal data in audit entries: which fields hold it, and how the chain hashes it.

An entry of hash version 2 hashes a salted digest of each such field, sha256(salt || value),
never the value itself, and keeps the salt (16 random bytes) beside it. Erasing a field puts
ERASED in its place, keeps the digest and drops the salt: the chain still verifies, and with
the salt gone nobody can try addresses or names against the digest to learn what it was.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from attrs import define

if TYPE_CHECKING:
    from domain.audit import AuditEntry

ERASED = "[erased]"
SALT_BYTES = 16
ACTOR_FIELDS = ("actor_label", "ip", "user_agent")  # who acted, and from where
DETAILS = "details."
# Detail keys that hold a client's network address or user agent (who asked from where: a
# password link asked for, say), in any action: personal like the entry's own `ip` and
# `user_agent`, and erased with them.
CLIENT_DETAIL_KEYS = frozenset({
    "asked_from", "ip", "ip_address", "client_ip", "remote_addr", "remote_address",
    "forwarded_for", "user_agent",
})
# Detail keys that are personal in every action: `email` (a person's address) and the client
# keys above; `from` and `to` only where an action says so (elsewhere they are roles, plans or
# org names).
PII_DETAIL_KEYS = frozenset({"email"}) | CLIENT_DETAIL_KEYS
_OF_ACTION: dict[str, tuple[str, ...]] = {
    "user.renamed": ("details.from", "details.to"),
    "user.email_changed": ("details.from", "details.to"),
    "auth.login_failed": ("resource_id",),  # the address that was tried
}
MAY_HOLD_AN_ADDRESS = frozenset({"email", "from", "to"})  # every detail key named above


def pii_fields(action: str, values: Mapping[str, Any], details: Mapping[str, Any]) -> list[str]:
    """The fields of a new entry that get a salt: who acted and from where (when given), and
    the detail keys that name a person."""
    def present(name: str) -> bool:
        if name.startswith(DETAILS):
            return name.removeprefix(DETAILS) in details
        return values.get(name) is not None

    fields = {DETAILS + key for key in details if key in PII_DETAIL_KEYS}
    fields.update(name for name in (*ACTOR_FIELDS, *_OF_ACTION.get(action, ())) if present(name))
    return sorted(fields)


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def salted_digest(salt: str, canonical_value: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + canonical_value.encode()).hexdigest()


def read_field(content: Mapping[str, Any], name: str) -> Any:
    """A field's value; a detail key's under `details.` (KeyError when the entry lacks it)."""
    if name.startswith(DETAILS):
        return content["details"][name.removeprefix(DETAILS)]
    if name not in content:
        raise KeyError(name)
    return content[name]


def write_field(content: dict[str, Any], name: str, value: Any) -> None:
    """Set a field in `content` (whose `details` must be the caller's own copy)."""
    if name.startswith(DETAILS):
        content["details"][name.removeprefix(DETAILS)] = value
    else:
        content[name] = value


@define(frozen=True)
class Person:
    """Whom an erasure is for: their id, and every address they are known to have had."""

    user_id: uuid.UUID
    emails: frozenset[str]

    @classmethod
    def of(cls, user_id: uuid.UUID, emails: Iterable[str]) -> Person:
        return cls(user_id=user_id, emails=frozenset(e.strip().lower() for e in emails if e))

    def is_address(self, value: Any) -> bool:
        return isinstance(value, str) and value.strip().lower() in self.emails


def fields_about(entry: AuditEntry, person: Person, personal: Iterable[str]) -> list[str]:
    """Of the entry's `personal` fields, those that hold this person's data.

    They acted (by id, or under one of their addresses): the label and the client address and
    agent (the entry's own, and any in its details). It is about them (their id or address is
    the resource, or `details.user_id`): every personal detail. Anywhere: a personal detail
    that is one of their addresses (an invitation to them). A label that is just their id
    stays: it says no more than actor_id."""
    salted = set(personal)
    found: set[str] = set()
    me = str(person.user_id)
    if entry.actor_id == person.user_id or person.is_address(entry.actor_label):
        found.update(name for name in ACTOR_FIELDS
                     if not (name == "actor_label" and entry.actor_label == me))
        found.update(DETAILS + key for key in CLIENT_DETAIL_KEYS)  # where they acted from
    about = (entry.resource_id == me or str(entry.details.get("user_id")) == me
             or person.is_address(entry.resource_id))
    for name in salted - set(ACTOR_FIELDS):
        if about or person.is_address(entry.details.get(name.removeprefix(DETAILS))
                                      if name.startswith(DETAILS) else None):
            found.add(name)
    return sorted(found & salted)
