"""The in-memory database: plain dicts, never changed once committed.

A transaction does not copy the store. It gets a `Draft`: one `DraftTable` per table, which
reads through to the committed dict and keeps what the transaction changes on the side. An
entity is copied the first time the transaction hands it out (`draft.orgs[org_id]`,
`draft.orgs.get(org_id)`), and from then on that copy is the transaction's own row, exactly
as if the whole store had been copied: the transaction sees what it does to it, and commit
publishes it. Leaving without commit drops the draft, and nothing committed was ever touched.

So a unit of work costs what it reads and writes: a commit builds a new dict only for the
tables whose rows changed (a shallow copy, the entities are shared), and keeps the others.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from attrs import define, field, fields

from adapters.memory.draft_table import DraftTable, detached
from adapters.memory.draft_table import TransactionClosed as TransactionClosed  # store API too
from application.ports.sign_in_failures import SignInFailure
from domain.api_key import ApiKey
from domain.audit import AuditEntry
from domain.audit_retention import AuditCheckpoint
from domain.email_token import EmailToken
from domain.export import Export
from domain.invitation import Invitation
from domain.member import Member
from domain.organization import Organization
from domain.password_token import PasswordToken
from domain.quota import DEFAULT_PLAN_LIMITS
from domain.session import Session
from domain.support import SupportGrant
from domain.two_factor import RecoveryCode, TotpFactor
from domain.user import User

T = TypeVar("T")


@define
class Tables:
    """The committed state. Its dicts are replaced on commit, never changed in place."""

    orgs: dict[uuid.UUID, Organization] = field(factory=dict)
    users: dict[uuid.UUID, User] = field(factory=dict)
    members: dict[tuple[uuid.UUID, uuid.UUID], Member] = field(factory=dict)
    audit: dict[uuid.UUID, list[AuditEntry]] = field(factory=dict)
    audit_checkpoints: dict[uuid.UUID, list[AuditCheckpoint]] = field(factory=dict)
    sessions: dict[tuple[uuid.UUID, uuid.UUID], Session] = field(factory=dict)
    password_tokens: dict[uuid.UUID, PasswordToken] = field(factory=dict)
    email_tokens: dict[uuid.UUID, EmailToken] = field(factory=dict)
    totp_factors: dict[uuid.UUID, TotpFactor] = field(factory=dict)
    recovery_codes: dict[uuid.UUID, RecoveryCode] = field(factory=dict)
    plans: dict[str, dict] = field(factory=lambda: {n: dict(v) for n, v in DEFAULT_PLAN_LIMITS.items()})
    quota_overrides: dict[uuid.UUID, dict] = field(factory=dict)
    exports: dict[tuple[uuid.UUID, uuid.UUID], Export] = field(factory=dict)
    api_keys: dict[tuple[uuid.UUID, uuid.UUID], ApiKey] = field(factory=dict)
    api_key_prefixes: dict[str, uuid.UUID] = field(factory=dict)
    invitations: dict[tuple[uuid.UUID, uuid.UUID], Invitation] = field(factory=dict)
    sign_in_failures: dict[uuid.UUID, SignInFailure] = field(factory=dict)
    support_grants: dict[tuple[uuid.UUID, uuid.UUID], SupportGrant] = field(factory=dict)


TABLES = tuple(f.name for f in fields(Tables))


def _same(value: T) -> T:
    return value


# How a table's values are copied when a transaction takes them. Audit entries and checkpoints
# are frozen, so a chain is copied as a list; a prefix maps to an (immutable) org id.
_COPIERS: dict[str, Callable[[Any], Any]] = {"audit": list, "audit_checkpoints": list,
                                              "api_key_prefixes": _same,
                                              "plans": dict, "quota_overrides": dict}


class Draft:
    """What one transaction works on: every table of `Tables`, as a `DraftTable`."""

    orgs: DraftTable[uuid.UUID, Organization]
    users: DraftTable[uuid.UUID, User]
    members: DraftTable[tuple[uuid.UUID, uuid.UUID], Member]
    audit: DraftTable[uuid.UUID, list[AuditEntry]]
    audit_checkpoints: DraftTable[uuid.UUID, list[AuditCheckpoint]]
    sessions: DraftTable[tuple[uuid.UUID, uuid.UUID], Session]
    password_tokens: DraftTable[uuid.UUID, PasswordToken]
    email_tokens: DraftTable[uuid.UUID, EmailToken]
    totp_factors: DraftTable[uuid.UUID, TotpFactor]
    recovery_codes: DraftTable[uuid.UUID, RecoveryCode]
    plans: DraftTable[str, dict]
    quota_overrides: DraftTable[uuid.UUID, dict]
    exports: DraftTable[tuple[uuid.UUID, uuid.UUID], Export]
    api_keys: DraftTable[tuple[uuid.UUID, uuid.UUID], ApiKey]
    api_key_prefixes: DraftTable[str, uuid.UUID]
    invitations: DraftTable[tuple[uuid.UUID, uuid.UUID], Invitation]
    sign_in_failures: DraftTable[uuid.UUID, SignInFailure]
    support_grants: DraftTable[tuple[uuid.UUID, uuid.UUID], SupportGrant]

    def __init__(self, committed: Tables) -> None:
        for name in TABLES:
            setattr(self, name, DraftTable(getattr(committed, name), _COPIERS.get(name, detached)))

    def published(self) -> Tables:
        """The committed state this transaction leaves, built from the state it started on."""
        return Tables(**{name: getattr(self, name).published() for name in TABLES})

    def close(self) -> None:
        for name in TABLES:
            getattr(self, name).close()


class MemoryStore:
    """Serialises transactions with one lock: simple, and as strict as SERIALIZABLE."""

    def __init__(self) -> None:
        self.committed = Tables()
        self.lock = threading.RLock()

    def draft(self) -> Draft:
        """A transaction's view of the committed state; nothing is copied until it is used."""
        return Draft(self.committed)

    def publish(self, draft: Draft) -> None:
        self.committed = draft.published()
