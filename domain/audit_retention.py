"""Audit retention: an org's oldest entries removed after so many days, and the checkpoint they
leave, from which the chain is verified on."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from attrs import define


@define(frozen=True)
class AuditCheckpoint:
    """An org's chain as it was where retention cut it: the last removed entry's seq and hash
    (the next entry's prev_hash), how many went, and the server's signature over all of that,
    so that a checkpoint made up to hide a deletion is told from one retention left."""

    org_id: uuid.UUID
    id: uuid.UUID
    seq: int
    hash: str
    removed: int
    created_at: datetime
    signature: str = ""

    def message(self) -> bytes:
        """What the signature covers (`checkpoint|…`: never the message of a chain digest)."""
        made = self.created_at.astimezone(UTC).isoformat(timespec="microseconds")
        return f"checkpoint|{self.org_id}|{self.seq}|{self.hash}|{self.removed}|{made}".encode()


def expired_before(now: datetime, days: int | None) -> datetime | None:
    """Entries made before this moment are past a retention of `days` (None: kept for ever)."""
    return None if days is None else now - timedelta(days=days)


def checkpoint_for(first_seq: int | None, checkpoints: Iterable[AuditCheckpoint]
                   ) -> AuditCheckpoint | None:
    """The checkpoint the chain starts from: the one just before its first entry; or, with no
    entry at all, the newest (whose next entry is then missing)."""
    found = sorted(checkpoints, key=lambda c: c.seq)
    if first_seq is None:
        return found[-1] if found else None
    return next((c for c in found if c.seq == first_seq - 1), None)
