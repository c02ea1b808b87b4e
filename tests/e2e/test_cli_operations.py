"""Operator commands of issue 12 on PostgreSQL: API keys, the audit export, `status`, and the
one-line failures of `db` (a bad target, two migration heads)."""

import csv
import io
import json
import shutil
import uuid

import pytest
from sqlalchemy import text

from adapters.postgres import migrator
from adapters.postgres.migrator import Migrator
from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings
from tests.fixtures.app import postgres_container

pytestmark = pytest.mark.postgres



@pytest.fixture
def org(run, unique_slug):
    slug = unique_slug("ops")
    assert run("org", "create", "--name", "Ops", "--slug", slug,
               "--owner-email", f"o@{slug}.test").exit_code == 0
    return slug


def test_apikey_create_shows_the_secret_once_and_revoke_stops_it(run, org):
    created = run("apikey", "create", "--org", org, "--name", "ci", "--scope", "org:read",
                  "--scope", "audit:read", "--expires-in-days", "30", "--json")
    assert created.exit_code == 0, created.output
    key = json.loads(created.output)
    assert key["secret"].startswith(f"gw_{key['prefix']}_") and key["expires_at"]
    assert key["scopes"] == ["audit:read", "org:read"]
    table = run("apikey", "create", "--org", org, "--name", "other", "--scope", "org:read")
    assert "secret (shown once, store it now): gw_" in table.output
    revoked = json.loads(run("apikey", "revoke", "--org", org, key["id"], "--json").output)
    assert revoked["revoked_at"] is not None and "secret" not in revoked
    entries = [json.loads(line) for line in run("audit", "export", "--org", org).output.splitlines()]
    assert [(e["action"], e["actor_label"]) for e in entries][-3:] == [
        ("api_key.created", "operator:ops"), ("api_key.created", "operator:ops"),
        ("api_key.revoked", "operator:ops")]


@pytest.mark.parametrize(("args", "reason"), [
    (["apikey", "revoke", "--org", "{org}", str(uuid.UUID(int=7))], "no API key"),
    (["apikey", "create", "--org", "no-such-org", "--name", "x", "--scope", "org:read"], "not found"),
    (["audit", "export", "--org", "no-such-org"], "not found"),
    (["db", "upgrade", "9999"], "migrations: Can't locate revision identified by '9999'"),
    (["db", "downgrade", "nonsense", "--yes"], "Can't locate revision identified by 'nonsense'"),
    (["db", "downgrade", "base"], "pass --yes"),
])
def test_failures_are_one_line_and_exit_1(run, org, args, reason):
    result = run(*[arg.format(org=org) for arg in args])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and reason in lines[0]


def test_audit_export_streams_jsonl_or_csv_within_the_times_asked(run, org):
    lines = run("audit", "export", "--org", org).output.splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0]["action"] == "org.created"
    rows = list(csv.DictReader(io.StringIO(run("audit", "export", "--org", org, "--format", "csv",
                                               "--since", "2000-01-01").output)))
    assert rows[0]["action"] == "org.created" and json.loads(rows[0]["details"])["slug"] == org
    assert rows[0]["hash"] == entries[0]["hash"] and rows[0]["actor_id"] == ""
    # Each export is audited: the second one sees the first.
    assert rows[-1]["action"] == "audit.exported"
    assert run("audit", "export", "--org", org, "--until", "2000-01-01T00:00:00+00:00").output == ""
    bad = run("audit", "export", "--org", org, "--since", "last week")
    assert bad.exit_code == 2 and "not an ISO 8601 time" in bad.output


def test_status_is_ok_with_a_worker_reporting_in(run, owner_engine):
    with owner_engine.begin() as conn:
        worker = conn.execute(text("INSERT INTO procrastinate.procrastinate_workers "
                                   "(last_heartbeat) VALUES (now()) RETURNING id")).scalar_one()
    try:
        result = run("status", "--json")
        table = run("status")
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM procrastinate.procrastinate_workers WHERE id = :id"),
                         {"id": worker})
    assert result.exit_code == 0, result.output
    state = json.loads(result.output)
    assert state["ok"] and state["down"] == [] and state["migrations"]["up_to_date"]
    assert state["workers"]["alive"] >= 1 and state["workers"]["last_heartbeat_s"] < 30
    assert {d["name"] for d in state["dependencies"]} >= {"database", "object_store"}
    assert state["job_queue"]["waiting"] >= 0
    assert "last heartbeat" in table.output and "migrations" in table.output


def test_status_without_a_worker_or_migrations_says_what_is_down(run, fresh_database):
    urls = fresh_database()
    unmigrated = run("status", "--json", container=postgres_container(urls))
    assert unmigrated.exit_code == 1
    state = json.loads(unmigrated.stdout)
    # No app login before the first migration: the database is down to the app, and the owner
    # sees it unmigrated.
    assert state["down"] == ["database", "migrations"] and state["migrations"]["current"] is None
    assert "workers" not in state
    assert unmigrated.stderr.strip() == "error: down: database, migrations"
    Migrator(urls.owner_url).upgrade()
    idle = run("status", container=postgres_container(urls))
    assert idle.exit_code == 1 and "none has reported in" in idle.stdout
    assert idle.stderr.strip() == "error: down: workers"


def test_db_check_names_the_heads_of_a_forked_history(run, tmp_path, monkeypatch):
    versions = tmp_path / "migrations"
    shutil.copytree(migrator.MIGRATIONS_DIR, versions, ignore=shutil.ignore_patterns("__pycache__"))
    first = Migrator("postgresql+psycopg://nobody@localhost/none").revisions()[0]  # no connection
    (versions / "versions" / "9999_fork.py").write_text(
        f'revision = "9999_fork"\ndown_revision = "{first}"\n'
        "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n")
    monkeypatch.setattr(migrator, "MIGRATIONS_DIR", versions)
    head = migrator.schema_heads()
    assert "9999_fork" in head and len(head) == 2
    result = run("db", "check", "--json")
    assert result.exit_code == 1
    [problem] = json.loads(result.output)["violations"]
    assert problem["rule"] == "heads" and "2 heads" in problem["message"]
    assert all(name in problem["message"] for name in head)


@pytest.fixture
def unreachable(cli_runner, tmp_path):
    """The CLI on a DATABASE_URL where nothing listens."""
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", "GROUNDWORK_HOME": str(tmp_path),
                                  "DATABASE_URL": "postgresql+psycopg://u:p@127.0.0.1:1/gone",
                                  "SECRET_KEY": "k" * 40})
    return lambda *args: cli_runner.invoke(cli, list(args), obj=CliContext(settings))


def test_an_unreachable_database_is_one_line_and_status_says_so(unreachable):
    listed = unreachable("org", "list")
    assert listed.exit_code == 1 and listed.output.count("\n") == 1
    assert listed.output.startswith("error: database error: connection failed")
    status = unreachable("status")
    assert status.exit_code == 1 and status.stderr == "error: down: database, migrations\n"
    assert "unknown (OperationalError)" in status.stdout
