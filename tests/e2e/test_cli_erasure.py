"""`groundwork user erase` and `groundwork audit prune` end to end on PostgreSQL: destructive,
so asked for or --yes; one line and exit 1 when refused."""

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from dependency_injector import providers

from adapters.postgres.migrator import Migrator
from adapters.system import FrozenClock
from application.ports.maintenance import ErasedInOrg
from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings
from tests.e2e.live_server import postgres_env
from tests.e2e.test_readme_walkthrough import ROOT, walkthrough

pytestmark = pytest.mark.postgres



@pytest.fixture
def team(run, unique_slug):
    slug = unique_slug("team")
    assert run("org", "create", "--name", "Team", "--slug", slug,
               "--owner-email", f"owner@{slug}.test").exit_code == 0
    assert run("member", "add", "--org", slug, "--email", f"m@{slug}.test").exit_code == 0
    return slug


def _one_line_refusal(result, *words):
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert all(word in lines[0] for word in words)


def test_user_erase_asks_first_then_erases(run, team):
    _one_line_refusal(run("user", "erase", f"m@{team}.test"), "--yes")
    done = run("user", "erase", f"m@{team}.test", "--yes", "--json")
    assert done.exit_code == 0, done.output
    [report] = json.loads(done.stdout)
    assert report["orgs"] == [team] and report["memberships_ended"] == 1
    assert report["entries_erased"] >= 1 and report["entries_kept"] == 0
    assert run("audit", "verify", "--org", team).exit_code == 0
    _one_line_refusal(run("user", "erase", f"m@{team}.test", "--yes"), "no user")
    _one_line_refusal(run("user", "erase", f"owner@{team}.test", "--yes"), "only owner", team)


class _KeptOne:
    """An eraser that finds an entry written before hash version 2 in each org."""

    def __init__(self, eraser) -> None:
        self._eraser = eraser

    def erase_global(self, person):
        return self._eraser.erase_global(person)

    def erase_in_orgs(self, org_ids, person, now):
        return {org_id: ErasedInOrg(entries=0, kept=1, invitations=0) for org_id in org_ids}


def test_user_erase_finishes_the_accounts_people_closed(run, team, pg_container, operator):
    for wrong, reason in ((("user", "erase"), "give an EMAIL, or --pending"),
                          (("user", "erase", f"m@{team}.test", "--pending"), "not both")):
        misused = run(*wrong)
        assert misused.exit_code == 2 and reason in misused.output
    with pg_container.adapters.unit_of_work() as uow:
        user = uow.users.get_by_email(f"m@{team}.test")
        user.begin_erasure(datetime.now(UTC))
        uow.users.mark_erased(user)
        uow.commit()
    done = run("user", "erase", "--pending", "--json")
    assert done.exit_code == 0, done.output
    assert str(user.id) in {e["user_id"] for e in json.loads(done.stdout)}


def test_user_erase_says_what_old_entries_keep(run, team, pg_container):
    pg_container.adapters.person_eraser.override(providers.Object(
        _KeptOne(pg_container.adapters.person_eraser())))
    try:
        done = run("user", "erase", f"m@{team}.test", "--yes")
    finally:
        pg_container.adapters.person_eraser.reset_override()
    assert done.exit_code == 0, done.output
    assert "keep their data" in done.stderr and "ENTRIES_KEPT" in done.stdout


def test_audit_prune_asks_first_then_prunes(run, team, pg_container):
    assert run("org", "limit", team, "audit_retention_days", "30").exit_code == 0
    _one_line_refusal(run("audit", "prune", "--org", team), "--yes")
    pg_container.adapters.clock.override(FrozenClock(datetime.now(UTC) + timedelta(days=31)))
    try:
        assert run("member", "add", "--org", team, "--email", f"late@{team}.test").exit_code == 0
        done = run("audit", "prune", "--org", team, "--yes", "--json")
    finally:
        pg_container.adapters.clock.reset_override()
    assert done.exit_code == 0, done.output
    [pruned] = json.loads(done.stdout)
    assert pruned["org"] == team and pruned["retention_days"] == 30 and pruned["removed"] >= 3
    assert run("audit", "verify", "--org", team).exit_code == 0


def test_audit_prune_of_an_org_kept_for_ever_removes_nothing(run, unique_slug):
    slug = unique_slug("forever")
    run("org", "create", "--name", "Forever", "--slug", slug, "--owner-email", f"o@{slug}.test",
        "--plan", "enterprise")
    done = run("audit", "prune", "--org", slug)
    assert done.exit_code == 0 and "nothing to remove" in done.output
    _one_line_refusal(run("audit", "prune", "--org", "no-such-org", "--yes"), "not found")


def test_at_a_terminal_the_operator_is_asked(run, team, monkeypatch, cli_runner, pg_container):
    monkeypatch.setattr("entrypoints.cli.context.at_a_terminal", lambda: True)
    settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres", "GROUNDWORK_OPERATOR": "ops"})
    context = CliContext(settings, pg_container)
    declined = cli_runner.invoke(cli, ["user", "erase", f"m@{team}.test"], obj=context, input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    agreed = cli_runner.invoke(cli, ["user", "erase", f"m@{team}.test"], obj=context, input="y\n")
    assert agreed.exit_code == 0, agreed.output


def test_the_readme_erasure_and_retention_run_as_written(fresh_database, tmp_path):
    """"Erasing a person, and how long audit entries are kept", by bash, on its own database."""
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade()  # as `make run` leaves it
    block = walkthrough("### Erasing a person, and how long audit entries are kept")
    run = subprocess.run([shutil.which("bash"), "-c", "set -eo pipefail\n" + block], cwd=ROOT,
                         env={**os.environ, **postgres_env(urls, tmp_path)}, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    verified = run.stdout.strip().splitlines()[-1].split()
    assert (verified[0], verified[2]) == ("hooli", "True"), run.stdout
