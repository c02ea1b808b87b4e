"""A tenant export: every row of one org, a JSON Lines file per table and a manifest (row
counts, each file's SHA-256, the audit chain's head), written by a background job."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from attrs import define, field

MAX_ERROR_LENGTH = 500


def export_prefix(org_id: uuid.UUID, export_id: uuid.UUID) -> str:
    """Where an export's files sit in the object store, among the org's own objects."""
    return f"orgs/{org_id}/exports/{export_id}/"


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # newer exports took its place: its row stays, its files are gone


@define(slots=False)
class Export:
    org_id: uuid.UUID
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    requested_by: uuid.UUID | None = None  # the person, or a key's creator; None: an operator
    status: ExportStatus = ExportStatus.QUEUED
    counts: dict[str, int] = field(factory=dict)
    manifest_key: str | None = None
    error: str | None = None
    finished_at: datetime | None = None

    @property
    def prefix(self) -> str:
        return export_prefix(self.org_id, self.id)

    def start(self, now: datetime) -> None:
        """Under way; a retried export starts afresh, its last failure behind it."""
        self.status, self.updated_at = ExportStatus.RUNNING, now
        self.error = self.finished_at = None

    def finish(self, counts: dict[str, Any], manifest_key: str, now: datetime) -> None:
        self.status, self.counts, self.manifest_key = ExportStatus.DONE, dict(counts), manifest_key
        self.finished_at = self.updated_at = now

    def expire(self, now: datetime) -> None:
        self.status, self.manifest_key, self.updated_at = ExportStatus.EXPIRED, None, now

    def fail(self, error: str, now: datetime) -> None:
        self.status, self.error = ExportStatus.FAILED, error[:MAX_ERROR_LENGTH]
        self.finished_at = self.updated_at = now
