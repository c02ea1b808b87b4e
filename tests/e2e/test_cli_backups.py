"""`groundwork backup` end to end on PostgreSQL: tables and --json, one-line refusals and exit
codes, prune's confirmation; and BACKUP_SCHEDULE's thread in `groundwork serve`."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from dependency_injector import providers
from sqlalchemy import create_engine, pool, text

from adapters.postgres.server import drop_database
from adapters.storage.s3 import S3Location, S3ObjectStore
from entrypoints.cli import backups as backup_cli
from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings
from entrypoints.container import build_container
from tests.e2e.live_server import free_port
from tests.fixtures.backups import (
    backup_container,
    migrated,
    seed_orgs,
    skip_unless_owner_reads_every_row,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def container(fresh_database):
    urls = migrated(fresh_database)
    skip_unless_owner_reads_every_row(urls)
    container = backup_container(urls)
    seed_orgs(container, ["cli-one", "cli-two"], members=1)
    yield container
    container.adapters.engine().dispose()


@pytest.fixture
def run(cli_runner, container):
    def invoke(*args, env=None, target=None, **kwargs):
        settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", **(env or {})})
        return cli_runner.invoke(cli, list(args), obj=CliContext(settings, target or container),
                                 **kwargs)
    return invoke


def _one_line_error(result, reason: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and reason in lines[0], lines


def test_create_list_and_restore_into_a_new_database(run, pg_server):
    created = json.loads(run("backup", "create", "--json").output)
    assert created["orgs"] == 2 and created["tables"] > 10 and created["size"] > 0
    table = run("backup", "create")
    assert table.exit_code == 0 and "SHA256" in table.output and " kB" in table.output
    listed = json.loads(run("backup", "list", "--json").output)
    assert created["id"] in [b["id"] for b in listed]
    assert set(listed[0]) == {"id", "created_at", "size", "age_seconds", "complete"}
    people = run("backup", "list")
    assert people.output.startswith("ID") and "AGE" in people.output and created["id"] in people.output
    name = f"gw_test_{uuid.uuid4().hex[:10]}"
    try:
        restored = run("backup", "restore", created["id"], "--database", name)
        assert restored.exit_code == 0, restored.output
        assert restored.output.startswith(f"restored {created['id']} into database {name}: ")
        assert "audit chains match the manifest" in restored.output
        again = run("backup", "restore", created["id"], "--database", name)
        _one_line_error(again, f"database '{name}' is not empty")
        asked = run("backup", "restore", created["id"], "--database", name, "--force")
        assert asked.exit_code == 1 and "--yes" in asked.output  # no terminal to ask at
        forced = json.loads(run("backup", "restore", created["id"], "--database", name,
                                "--force", "--yes", "--json").output)
        assert forced["replaced"] is True and forced["database"] == name
    finally:
        drop_database(pg_server, name)


def test_refusals_are_one_line(run):
    _one_line_error(run("backup", "restore", "20200101T000000Z-000000"), "no backup")
    _one_line_error(run("backup", "restore", "latest"), "no backup 'latest'")
    taken = json.loads(run("backup", "create", "--json").output)
    _one_line_error(run("backup", "restore", taken["id"]), "(the one Groundwork serves) is not empty")
    _one_line_error(run("backup", "restore", taken["id"], "--database", "bad name"),
                    "invalid database name")


def test_a_forced_restore_of_a_truncated_dump_fails_in_one_line_and_keeps_the_target(
        run, container, fresh_database):
    """The review's case: a dump cut short whose manifest was rewritten to match it (so the
    checksum passes), restored with --force over a database in use."""
    target = fresh_database()
    engine = create_engine(target.owner_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE kept (note text)"))
        conn.execute(text("INSERT INTO kept VALUES ('still here')"))
    taken = json.loads(run("backup", "create", "--json").output)
    store, prefix = container.adapters.object_store(), f"platform/backups/{taken['id']}/"
    data = b"".join(store.get(f"{prefix}database.dump"))
    cut = data[: len(data) // 2]
    store.put(f"{prefix}database.dump", [cut])
    manifest = json.loads(b"".join(store.get(f"{prefix}manifest.json")))
    manifest.update(sha256=hashlib.sha256(cut).hexdigest(), size=len(cut))
    store.put(f"{prefix}manifest.json", [json.dumps(manifest).encode()])
    try:
        result = run("backup", "restore", taken["id"], "--database", target.owner_url.database,
                     "--force", "--yes")
        _one_line_error(result, "pg_restore failed")
        assert f"database '{target.owner_url.database}' was left as it was" in result.output
        with engine.connect() as conn:
            assert conn.execute(text("SELECT array_agg(note) FROM kept")).scalar() == ["still here"]
            left = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                {"p": f"{target.owner_url.database}%"}).scalars().all()
        assert left == [target.owner_url.database]  # no temporary database left behind
    finally:
        engine.dispose()


def test_an_object_store_that_cannot_be_reached_is_one_line(run, container):
    port = free_port()  # S3_URL pointing at a closed local port
    gone = S3ObjectStore(S3Location.from_url(f"s3+http://key:secret@127.0.0.1:{port}/backups"))
    container.adapters.object_store.override(providers.Object(gone))
    try:
        result = run("backup", "list")
    finally:
        container.adapters.object_store.reset_override()
    _one_line_error(result, f"the object store (bucket 'backups' at http://127.0.0.1:{port}) "
                            "cannot be reached: Could not connect to the endpoint URL")
    assert "Traceback" not in result.output and "secret" not in result.output


def test_backups_need_the_postgres_backend(cli_runner):
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "memory"})
    result = cli_runner.invoke(cli, ["backup", "list"], obj=CliContext(settings))
    assert result.exit_code == 2 and "GROUNDWORK_BACKEND=postgres" in result.output


@pytest.fixture
def aged(container, run):
    """Two backups past a 30-day retention and one inside it."""
    clock = container.adapters.clock()
    old = [json.loads(run("backup", "create", "--json").output)["id"] for _ in range(2)]
    clock.advance(timedelta(days=31))
    young = json.loads(run("backup", "create", "--json").output)["id"]
    return old, young


def test_prune_asks_first_and_without_a_terminal_needs_yes(run, aged):
    old, young = aged
    refused = run("backup", "prune")
    assert refused.exit_code == 1 and refused.output.strip() == (
        f"error: Delete these {len(old)} backup(s) older than 30 days? Refused: no terminal to "
        "confirm at; pass --yes.")
    listed = [b["id"] for b in json.loads(run("backup", "list", "--json").output)]
    assert set(old) <= set(listed)
    pruned = json.loads(run("backup", "prune", "--yes", "--json").output)
    assert set(old) <= set(pruned["pruned"]) and young not in pruned["pruned"]
    assert pruned["retention_days"] == 30
    listed = [b["id"] for b in json.loads(run("backup", "list", "--json").output)]
    assert young in listed and not set(old) & set(listed)
    nothing = run("backup", "prune")
    assert nothing.exit_code == 0 and nothing.output.strip() == "pruned 0 backup(s) older than 30 days"


def test_prune_at_a_terminal_deletes_once_the_operator_says_yes(run, aged, monkeypatch):
    old, _ = aged
    monkeypatch.setattr("entrypoints.cli.context.at_a_terminal", lambda: True)
    declined = run("backup", "prune", input="n\n")
    assert declined.exit_code == 1 and "Delete these" in declined.output
    assert all(f"  {b}  31d 0h old" in declined.output for b in old)
    accepted = run("backup", "prune", input="y\n")
    assert accepted.exit_code == 0 and "pruned" in accepted.output.splitlines()[-1]
    assert not set(old) & {b["id"] for b in json.loads(run("backup", "list", "--json").output)}


@pytest.mark.parametrize(("n", "shown"), [(999, "999 B"), (57_124, "57.1 kB"),
                                          (3_200_000, "3.2 MB"), (12_345_000_000_000, "12345.0 GB")])
def test_sizes_read_as_people_write_them(n, shown):
    assert backup_cli.size(n) == shown


@pytest.mark.parametrize(("delta", "shown"), [
    (timedelta(seconds=42), "0m 42s"), (timedelta(hours=5, minutes=3), "5h 3m"),
    (timedelta(days=3, hours=4, minutes=59), "3d 4h"), (timedelta(seconds=-1), "0m 0s")])
def test_ages_read_as_people_write_them(delta, shown):
    assert backup_cli.age(delta) == shown


class _Recorded:
    def __init__(self) -> None:
        self.runs = 0

    def scheduled(self):
        self.runs += 1


def _context(backend: str, schedule: str | None, backups=None) -> CliContext:
    env = {"GROUNDWORK_BACKEND": backend, **({"BACKUP_SCHEDULE": schedule} if schedule else {})}
    settings = Settings.from_env(env)
    container = build_container(settings)
    if backups is not None:
        container.application.backups.override(providers.Object(backups))
    return CliContext(settings, container)


def test_serve_starts_the_daily_backup_only_when_scheduled(capsys):
    assert backup_cli.start_schedule(_context("postgres", None)) is None
    assert backup_cli.start_schedule(_context("memory", "daily")) is None
    assert "BACKUP_SCHEDULE ignored: the memory backend" in capsys.readouterr().err
    recorded = _Recorded()
    thread = backup_cli.start_schedule(_context("postgres", "02:30", recorded))
    try:
        assert "backups: daily at 02:30 UTC, kept 30 days" in capsys.readouterr().err
    finally:
        thread.stop()
    assert recorded.runs == 0  # not before its time
