"""A backup's manifest: what the dump holds, written beside it as JSON and checked on restore."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime

from application.ports.database_dump import ChainHead, DatabaseFacts, DumpDescription
from application.ports.object_store import StoredObject

FORMAT = "groundwork-backup/1"


class Digest:
    """Chunks passed on unchanged, hashed as they go."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.sha256 = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.sha256.update(chunk)
            yield chunk


def manifest_of(backup_id: str, created_at: datetime, stored: StoredObject,
                described: DumpDescription) -> dict:
    return {
        "format": FORMAT, "id": backup_id, "created_at": created_at.isoformat(),
        "database": described.database, "key": stored.key, "size": stored.size,
        "sha256": stored.sha256, "schema_revision": described.schema_revision,
        "server_version": described.server_version, "pg_dump_version": described.tool_version,
        "row_counts": described.facts.row_counts,
        "chain_heads": [{"org_id": str(h.org_id), "seq": h.seq, "hash": h.hash}
                        for h in described.facts.chain_heads],
        "access": described.access,
    }


def facts_of(manifest: dict) -> DatabaseFacts:
    return DatabaseFacts(row_counts=dict(manifest["row_counts"]), chain_heads=tuple(
        ChainHead(org_id=uuid.UUID(h["org_id"]), seq=h["seq"], hash=h["hash"])
        for h in manifest["chain_heads"]))


def differences_between(expected: DatabaseFacts, actual: DatabaseFacts) -> list[str]:
    tables = sorted(set(expected.row_counts) | set(actual.row_counts))
    found = [f"{t}: {actual.row_counts.get(t)} rows, not {expected.row_counts.get(t)}"
             for t in tables if expected.row_counts.get(t) != actual.row_counts.get(t)]
    if set(expected.chain_heads) != set(actual.chain_heads):
        found.append("audit chain heads differ")
    return found
