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

import copy
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from attrs import define, field, fields

from domain.api_key import ApiKey
from domain.audit import AuditEntry
from domain.invitation import Invitation
from domain.member import Member
from domain.organization import Organization
from domain.password_token import PasswordToken
from domain.session import Session
from domain.user import User

K = TypeVar("K")
V = TypeVar("V")


@define
class Tables:
    """The committed state. Its dicts are replaced on commit, never changed in place."""

    orgs: dict[uuid.UUID, Organization] = field(factory=dict)
    users: dict[uuid.UUID, User] = field(factory=dict)
    members: dict[tuple[uuid.UUID, uuid.UUID], Member] = field(factory=dict)
    audit: dict[uuid.UUID, list[AuditEntry]] = field(factory=dict)
    sessions: dict[tuple[uuid.UUID, uuid.UUID], Session] = field(factory=dict)
    password_tokens: dict[uuid.UUID, PasswordToken] = field(factory=dict)
    api_keys: dict[tuple[uuid.UUID, uuid.UUID], ApiKey] = field(factory=dict)
    api_key_prefixes: dict[str, uuid.UUID] = field(factory=dict)
    invitations: dict[tuple[uuid.UUID, uuid.UUID], Invitation] = field(factory=dict)


TABLES = tuple(f.name for f in fields(Tables))


def detached(entity: V) -> V:
    """A copy sharing nothing mutable with `entity`: changing one never changes the other."""
    return copy.deepcopy(entity)


def _same(value: V) -> V:
    return value


# How a table's values are copied when a transaction takes them. Audit entries are frozen, so
# a chain is copied as a list; a prefix maps to an (immutable) org id.
_COPIERS: dict[str, Callable[[Any], Any]] = {"audit": list, "api_key_prefixes": _same}


class TransactionClosed(RuntimeError):
    """A write through a unit of work that has already committed or rolled back."""


class DraftTable(Mapping[K, V]):
    """One table as one transaction sees it: the committed dict under the transaction's rows.

    `table[key]` and `table.get(key)` hand the row out: the first time, they copy the
    committed entity into the transaction, and return that same copy ever after, so changing
    it in place is changing the transaction's row. `items()`, `values()` and `peek()` read
    without copying, for filtering: what they return must not be changed or handed on (use
    `table[key]` for the row found).
    """

    __slots__ = ("_committed", "_mine", "_written", "_dropped", "_copy", "_closed")

    def __init__(self, committed: dict[K, V], copier: Callable[[V], V] = detached) -> None:
        self._committed = committed
        self._mine: dict[K, V] = {}      # rows written or handed out: the transaction's own
        self._written: set[K] = set()    # of those, the ones written (add, update)
        self._dropped: set[K] = set()    # committed rows this transaction removed
        self._copy = copier
        self._closed = False

    # -- reads ---------------------------------------------------------------------------
    def __getitem__(self, key: K) -> V:
        mine = self._mine.get(key, _MISSING)
        if mine is not _MISSING:
            return mine
        if key in self._dropped:
            raise KeyError(key)
        value = self._committed[key]
        if self._closed:  # after the transaction: a private copy, never a row of it
            return self._copy(value)
        mine = self._mine[key] = self._copy(value)
        return mine

    def peek(self, key: K, default: Any = None) -> Any:
        """The current row without handing it out (no copy): for looking, not changing."""
        mine = self._mine.get(key, _MISSING)
        if mine is not _MISSING:
            return mine
        if key in self._dropped:
            return default
        return self._committed.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._mine or (key not in self._dropped and key in self._committed)

    def __iter__(self) -> Iterator[K]:
        mine, dropped = self._mine, self._dropped
        for key in self._committed:
            if key not in dropped:
                yield key
        for key in list(mine):
            if key not in self._committed:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def items(self) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        for key in self:
            yield key, self.peek(key)

    def values(self) -> Iterator[V]:  # type: ignore[override]
        for key in self:
            yield self.peek(key)

    # -- writes --------------------------------------------------------------------------
    def __setitem__(self, key: K, value: V) -> None:
        self._check_open()
        self._mine[key] = value
        self._written.add(key)
        self._dropped.discard(key)

    def pop(self, key: K, default: Any = None) -> Any:
        self._check_open()
        value = self.peek(key, _MISSING)
        if value is _MISSING:
            return default
        self._mine.pop(key, None)
        self._written.discard(key)
        if key in self._committed:
            self._dropped.add(key)
        return value

    def _check_open(self) -> None:
        if self._closed:
            raise TransactionClosed("this unit of work has ended: open a new one to write")

    # -- end -----------------------------------------------------------------------------
    def published(self) -> dict[K, V]:
        """The table as the commit leaves it: the committed dict itself when nothing changed.

        Only rows written (add, update) are kept, as in PostgreSQL: a row changed in place
        and never written back is not. What is published is copied once more, so the
        caller's objects stay the caller's.
        """
        committed = self._committed
        changed = {key: value for key, value in self._mine.items() if key in self._written}
        if not changed and not self._dropped:
            return committed
        table = dict(committed)
        for key in self._dropped:
            del table[key]
        for key, value in changed.items():
            table[key] = self._copy(value)
        return table

    def close(self) -> None:
        self._closed = True


_MISSING: Any = object()


class Draft:
    """What one transaction works on: every table of `Tables`, as a `DraftTable`."""

    orgs: DraftTable[uuid.UUID, Organization]
    users: DraftTable[uuid.UUID, User]
    members: DraftTable[tuple[uuid.UUID, uuid.UUID], Member]
    audit: DraftTable[uuid.UUID, list[AuditEntry]]
    sessions: DraftTable[tuple[uuid.UUID, uuid.UUID], Session]
    password_tokens: DraftTable[uuid.UUID, PasswordToken]
    api_keys: DraftTable[tuple[uuid.UUID, uuid.UUID], ApiKey]
    api_key_prefixes: DraftTable[str, uuid.UUID]
    invitations: DraftTable[tuple[uuid.UUID, uuid.UUID], Invitation]

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
