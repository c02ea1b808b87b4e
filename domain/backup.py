"""Backups of the whole database: their ids, how long they are kept, when the daily one runs."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta

from attrs import define

from domain.errors import Conflict, DomainError, InvalidInput, InvariantViolated, NotFound

_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
DAILY_AT = time(3, 0)  # "daily": at 03:00 UTC, when most of the world is asleep


class BackupNotFound(NotFound):
    code = "backup_not_found"


class BackupCorrupted(InvariantViolated):
    """The stored dump is not the one the manifest describes."""

    code = "backup_corrupted"


class TargetNotEmpty(Conflict):
    code = "restore_target_not_empty"


class BackupFailed(DomainError):
    """pg_dump or pg_restore could not do its part (the reason is its own, without secrets)."""

    code = "backup_failed"


def new_backup_id(now: datetime, unique: uuid.UUID) -> str:
    """`20260105T090000Z-1a2b3c`: sorts by time, reads as a time, and is a plain object key."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{unique.hex[-6:]}"


def checked_backup_id(backup_id: str) -> str:
    """An id as new_backup_id makes them; anything else names no backup."""
    if not _ID.match(backup_id or ""):
        raise BackupNotFound(f"no backup {backup_id!r} (ids look like 20260105T090000Z-1a2b3c)")
    return backup_id


@define(frozen=True)
class Retention:
    days: int

    def expired(self, created_at: datetime, now: datetime) -> bool:
        """Kept while younger than the retention period; pruned once it is that old."""
        return now - created_at >= timedelta(days=self.days)


@define(frozen=True)
class DailySchedule:
    """One run a day at `at`, UTC (BACKUP_SCHEDULE=daily or HH:MM)."""

    at: time

    @classmethod
    def parse(cls, raw: str | None) -> DailySchedule | None:
        """None for unset or `off`; `daily` is 03:00 UTC; `HH:MM` is that time, UTC."""
        value = (raw or "").strip().lower()
        if value in ("", "off", "none"):
            return None
        if value == "daily":
            return cls(DAILY_AT)
        match = _CLOCK_TIME.match(value)
        if not match:
            raise InvalidInput(f"BACKUP_SCHEDULE must be off, daily or a UTC time HH:MM, not {raw!r}",
                               code="invalid_schedule")
        return cls(time(int(match[1]), int(match[2])))

    def next_run(self, after: datetime) -> datetime:
        """The first run strictly after `after`."""
        after = after.astimezone(UTC)
        today = datetime.combine(after.date(), self.at, tzinfo=UTC)
        return today if today > after else today + timedelta(days=1)

    def describe(self) -> str:
        return f"daily at {self.at:%H:%M} UTC"
