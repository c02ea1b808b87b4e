"""The copy-on-write table a transaction works on; adapters/memory/store.py tells the whole story:
a transaction's `Draft` is one `DraftTable` per table of the store."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def detached(entity: V) -> V:
    """A copy sharing nothing mutable with `entity`: changing one never changes the other."""
    return copy.deepcopy(entity)


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
        self._written: dict[K, V] = {}   # what was written (add, update), copied as written
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

    def stored(self, key: K, default: Any = None) -> Any:
        """The row as last written (no copy): this transaction's if it wrote it, else the
        committed one. Changes made in place and not yet written do not show, as in a database."""
        if key in self._written:
            return self._written[key]
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
        self._written[key] = self._copy(value)
        self._dropped.discard(key)

    def pop(self, key: K, default: Any = None) -> Any:
        self._check_open()
        value = self.peek(key, _MISSING)
        if value is _MISSING:
            return default
        self._mine.pop(key, None)
        self._written.pop(key, None)
        if key in self._committed:
            self._dropped.add(key)
        return value

    def _check_open(self) -> None:
        if self._closed:
            raise TransactionClosed("this unit of work has ended: open a new one to write")

    # -- end -----------------------------------------------------------------------------
    def published(self) -> dict[K, V]:
        """The table as the commit leaves it: the committed dict itself when nothing changed.

        Only rows as written (add, update) are kept, as in PostgreSQL: a change made in place
        and never written back is not, even to a row written before. The copies taken at
        each write are what is published, so the caller's objects stay the caller's.
        """
        committed = self._committed
        if not self._written and not self._dropped:
            return committed
        table = dict(committed)
        for key in self._dropped:
            del table[key]
        table.update(self._written)
        return table

    def close(self) -> None:
        self._closed = True


_MISSING: Any = object()


def first_row(table: DraftTable, keys: Iterable) -> Any:
    """The row of the first of `keys`, handed out (`table[key]`); None when there is none."""
    key = next(iter(keys), _MISSING)
    return None if key is _MISSING else table[key]
