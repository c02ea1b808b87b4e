"""`groundwork support` and `groundwork platform` end to end on PostgreSQL (the reports read
as the platform role): JSON for scripts, one-line refusals without a grant."""

import json

import pytest

from tests.fixtures.database import skip_on_citus

pytestmark = pytest.mark.postgres



@pytest.fixture
def slug(run, unique_slug):
    slug = unique_slug("cli-support")
    assert run("org", "create", "--name", "S", "--slug", slug, "--owner-email",
               f"o@{slug}.test").exit_code == 0
    return slug


def test_support_open_read_close_list(run, slug):
    opened = run("support", "open", "--org", slug, "--reason", "ticket 9", "--minutes", "15",
                 "--json")
    assert opened.exit_code == 0, opened.output
    grant = json.loads(opened.output)
    assert (grant["operator"], grant["state"], grant["reason"]) == ("operator:ops", "open", "ticket 9")
    members = json.loads(run("support", "members", "--org", slug, "--json").output)
    assert [m["email"] for m in members] == [f"o@{slug}.test"]
    entries = json.loads(run("support", "audit", "--org", slug, "--limit", "1", "--json").output)
    assert entries[0]["action"] == "support.members_read"
    assert "closed" in run("support", "close", "--org", slug).output
    listed = json.loads(run("support", "list", "--org", slug, "--json").output)
    assert [g["state"] for g in listed] == ["closed"] and listed[0]["id"] == grant["id"]
    [chain] = json.loads(run("audit", "verify", "--org", slug, "--json").output)
    assert chain["intact"] and chain["entries"] == 6  # org, owner, opened, two reads, closed


@pytest.mark.parametrize("command", [["members"], ["audit"], ["close"]])
def test_without_a_grant_the_support_commands_refuse_in_one_line(run, slug, command):
    result = run("support", *command, "--org", slug)
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("error:") and "no open support grant" in line


def test_platform_orgs_and_usage_read_through_the_platform_role(run, slug):
    skip_on_citus("the platform reports (Citus reads the shards as the calling role)")
    orgs = json.loads(run("platform", "orgs", "--json").output)
    [mine] = [o for o in orgs if o["slug"] == slug]
    assert (mine["plan"], mine["status"], mine["members"]) == ("free", "active", 1)
    assert mine["last_activity"] is not None
    table = run("platform", "orgs")
    assert table.exit_code == 0 and "LAST_ACTIVITY" in table.output and slug in table.output
    usage = json.loads(run("platform", "usage", "--json").output)
    assert any(u["plan"] == "free" and u["orgs"] >= 1 for u in usage)
