"""The operator's CLI end to end on PostgreSQL: tables, --json, exit codes, one-line reasons."""

import json
import re

import pytest
from sqlalchemy import create_engine, text

from tests.fixtures.app import postgres_container, set_password
from tests.fixtures.backfills import seed_orgs_with_sign_ins, wrong_last_sign_ins
from tests.fixtures.mail import mailed_token

pytestmark = pytest.mark.postgres



def test_org_create_show_list(run, unique_slug):
    slug = unique_slug("acme")
    created = run("org", "create", "--name", "Acme", "--slug", slug.upper(),
                  "--owner-email", f"a@{slug}.test")
    assert created.exit_code == 0, created.output
    assert slug in created.output and "SLUG" in created.output
    shown = json.loads(run("org", "show", slug, "--json").output)
    assert shown["slug"] == slug and shown["settings"]["default_currency"] == "EUR"
    listed = json.loads(run("org", "list", "--json").output)
    assert slug in {o["slug"] for o in listed}


@pytest.mark.parametrize(("args", "reason"), [
    (["org", "create", "--name", "X", "--slug", "-bad-", "--owner-email", "x@x.test"], "invalid slug"),
    (["org", "create", "--name", "X", "--slug", "fine-slug", "--owner-email", "nope"], "invalid email"),
    (["org", "create", "--name", "X", "--slug", "admin", "--owner-email", "x@x.test"], "reserved"),
    (["org", "create", "--name", "X", "--slug", "fine-slug2", "--owner-email", "x@x.test",
      "--settings", '{"timezone": "Mars/Base"}'], "invalid settings"),
    (["org", "show", "no-such-org"], "not found"),
    (["member", "list", "--org", "no-such-org"], "not found"),
])
def test_bad_input_gives_one_line_and_exit_1(run, args, reason):
    result = run(*args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and reason in lines[0]


def test_a_duplicate_slug_is_refused_whatever_its_case(run, unique_slug):
    slug = unique_slug("dup")
    assert run("org", "create", "--name", "One", "--slug", slug, "--owner-email", "o@d.test").exit_code == 0
    again = run("org", "create", "--name", "Two", "--slug", f" {slug.upper()} ", "--owner-email", "o@d.test")
    assert again.exit_code == 1 and "already taken" in again.output


def test_members_add_list_role_remove(run, unique_slug):
    slug = unique_slug("team")
    run("org", "create", "--name", "Team", "--slug", slug, "--owner-email", f"owner@{slug}.test")
    added = run("member", "add", "--org", slug, "--email", f"m@{slug}.test", "--role", "admin", "--json")
    assert added.exit_code == 0 and json.loads(added.output)["role"] == "admin"
    assert run("member", "role", "--org", slug, f"m@{slug}.test", "--role", "viewer").exit_code == 0
    output = run("member", "list", "--org", slug, "--json").output
    listed = {m["email"]: m["role"] for m in json.loads(output)}
    assert listed == {f"owner@{slug}.test": "owner", f"m@{slug}.test": "viewer"}
    last_owner = run("member", "remove", "--org", slug, f"owner@{slug}.test")
    assert last_owner.exit_code == 1 and "at least one owner" in last_owner.output
    assert run("member", "remove", "--org", slug, f"m@{slug}.test").exit_code == 0


def test_a_member_added_without_a_password_is_mailed_a_link_and_the_cli_says_how(
        run, unique_slug, pg_container):
    slug = unique_slug("welcome")
    run("org", "create", "--name", "Welcome", "--slug", slug, "--owner-email", f"o@{slug}.test")
    added = run("member", "add", "--org", slug, "--email", f"new@{slug}.test")
    assert added.exit_code == 0 and "has no password yet" in added.output
    token = re.search(r"token: (\S+)", added.output).group(1)
    assert mailed_token(pg_container, f"new@{slug}.test") == token
    set_password(pg_container, f"o@{slug}.test")
    run("org", "create", "--name", "Other", "--slug", f"{slug}-2", "--owner-email", f"x@{slug}.test")
    known = run("member", "add", "--org", f"{slug}-2", "--email", f"o@{slug}.test")
    assert "signs in with the password they have" in known.output


def test_org_delete_lists_what_blocks_it(run, unique_slug):
    slug = unique_slug("busy")
    run("org", "create", "--name", "Busy", "--slug", slug, "--owner-email", f"o@{slug}.test")
    run("member", "add", "--org", slug, "--email", f"m@{slug}.test")
    refused = run("org", "delete", slug)
    assert refused.exit_code == 1 and "members (1)" in refused.output
    run("member", "remove", "--org", slug, f"m@{slug}.test")
    assert run("org", "delete", slug).exit_code == 0
    assert run("org", "show", slug).exit_code == 1


def test_demo_seed_creates_three_orgs_once(run, fresh_database):
    from adapters.postgres.migrator import Migrator

    urls = fresh_database()
    Migrator(urls.owner_url).upgrade()
    container = postgres_container(urls)
    first = json.loads(run("demo", "seed", "--json", container=container).output)
    assert [r["result"] for r in first] == ["created"] * 3
    tokens = [r["password_token"] for r in first]
    assert all(tokens) and len(set(tokens)) == 3  # each owner can set a password and sign in
    second = json.loads(run("demo", "seed", "--json", container=container).output)
    assert [(r["result"], r["password_token"]) for r in second] == [("exists", None)] * 3
    container.adapters.engine().dispose()


def test_audit_verify_names_a_tampered_entry(run, unique_slug, admin_engine):
    slug = unique_slug("trail")
    run("org", "create", "--name", "Trail", "--slug", slug, "--owner-email", f"o@{slug}.test")
    assert run("audit", "verify", "--org", slug).exit_code == 0
    with admin_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 1 AND org_id = "
                          "(SELECT id FROM org WHERE slug = :s)"), {"s": slug})
    result = run("audit", "verify", "--org", slug)
    assert result.exit_code == 1
    assert f"audit chain of '{slug}' broken at entry #1" in result.output


def test_db_commands(run, pg_urls):
    current = json.loads(run("db", "current", "--json").output)
    assert current["up_to_date"] is True
    check = run("db", "check")
    assert check.exit_code == 0 and "every convention" in check.output


def test_db_upgrade_runs_the_tenant_backfills_with_progress_and_db_backfill_resumes(
        run, fresh_database, superuser_url):
    from adapters.postgres.migrator import Migrator

    urls = fresh_database()
    Migrator(urls.owner_url).upgrade("0022_tenant_backfills")
    admin = create_engine(superuser_url(urls))
    seed_orgs_with_sign_ins(admin, 1200)
    container = postgres_container(urls)
    schema = run("db", "upgrade", "--schema-only", container=container)
    assert schema.exit_code == 0, schema.output
    assert "backfills pending: 0023_member_last_sign_in (groundwork db backfill)" in schema.output
    state = json.loads(run("db", "current", "--json", container=container).output)
    assert state["up_to_date"] and state["backfills_pending"] == ["0023_member_last_sign_in"]
    status = run("status", container=container)
    assert "backfills pending: 0023_member_last_sign_in (groundwork db backfill)" in status.output
    assert wrong_last_sign_ins(admin) == 1200
    done = run("db", "backfill", container=container)
    assert done.exit_code == 0, done.output
    assert ("backfill 0023_member_last_sign_in: 500 of 1,200 orgs (41%), under way"
            in done.output)
    assert "1,200 of 1,200 orgs (100%), done" in done.output
    assert "backfills finished: 0023_member_last_sign_in" in done.output
    assert wrong_last_sign_ins(admin) == 0
    listed = run("member", "list", "--org", "org-7", container=container).output.splitlines()
    assert listed[0].split()[-1] == "LAST_SIGN_IN_AT"
    assert sorted(line.split()[-1] for line in listed[1:]) == ["-", "2026-01-01T00:07:00+00:00"]
    assert run("db", "backfill", container=container).output.strip() == "no backfill pending"
    admin.dispose()


def test_db_check_fails_on_a_table_without_a_policy(run, fresh_database):
    from adapters.postgres.migrator import Migrator

    urls = fresh_database()
    Migrator(urls.owner_url).upgrade()
    engine = create_engine(urls.owner_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE widgets (org_id uuid NOT NULL REFERENCES org(id), id uuid, "
                          "created_at timestamptz NOT NULL DEFAULT now(), "
                          "updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (org_id, id))"))
    engine.dispose()
    container = postgres_container(urls)
    result = run("db", "check", "--json", container=container)
    assert result.exit_code == 1
    rules = {(v["table"], v["rule"]) for v in json.loads(result.output)["violations"]}
    assert {("widgets", "rls"), ("widgets", "policy"), ("-", "drift")} <= rules


def test_an_unmigrated_database_says_what_to_do(run, fresh_database):
    container = postgres_container(fresh_database())
    result = run("org", "list", container=container)
    assert result.exit_code == 1 and "groundwork db upgrade" in result.output


def test_audit_digest_then_verify_against_it(run, unique_slug, tmp_path):
    slug = unique_slug("digest")
    assert run("org", "create", "--name", "D", "--slug", slug, "--owner-email",
               f"d@{slug}.test").exit_code == 0
    digests = tmp_path / "digests.jsonl"
    made = run("audit", "digest", "--org", slug, "--out", str(digests), "--json")
    assert made.exit_code == 0, made.output
    line = json.loads(digests.read_text().splitlines()[-1])
    assert line["org"] == slug and line["seq"] >= 1 and len(line["signature"]) == 64
    checked = run("audit", "verify", "--org", slug, "--digests", str(digests), "--json")
    assert checked.exit_code == 0 and json.loads(checked.output)[0]["intact"] is True
    line["seq"] += 1  # edited by someone without the key
    digests.write_text(json.dumps(line) + "\n")
    forged = run("audit", "verify", "--org", slug, "--digests", str(digests))
    assert forged.exit_code == 1 and "not signed with this server's key" in forged.output
    digests.write_text("not json\n")
    broken = run("audit", "verify", "--digests", str(digests))
    assert broken.exit_code == 1 and broken.output.strip().startswith("error: cannot read digests")


def test_export_create_writes_every_table_and_says_where(run, unique_slug):
    slug = unique_slug("cliexp")
    run("org", "create", "--name", "Exp", "--slug", slug, "--owner-email", f"o@{slug}.test")
    result = run("export", "create", "--org", slug, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["status"] == "done" and body["counts"]["members"] == 1
    assert body["manifest_url"].startswith("http")
    missing = run("export", "create", "--org", "no-such-org")
    assert missing.exit_code == 1 and "Traceback" not in missing.output


@pytest.mark.parametrize("value", ["９", "1_000", "5.0", "lots"])
def test_plan_limits_take_plain_digits_or_none(run, value):
    result = run("plan", "set", "free", "members", value)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_suspend_needs_a_readable_reason(run, unique_slug):
    slug = unique_slug("susp")
    run("org", "create", "--name", "S", "--slug", slug, "--owner-email", f"o@{slug}.test")
    for reason in ("", "   ", "bell\x07", "\u202eevil"):
        result = run("org", "suspend", slug, "--reason", reason)
        assert result.exit_code == 1 and "Traceback" not in result.output, reason
    assert run("org", "suspend", slug, "--reason", "unpaid invoices").exit_code == 0
    assert run("org", "resume", slug).exit_code == 0
