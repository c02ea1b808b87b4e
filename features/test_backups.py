"""Steps for backups.feature: the operator's use cases and CLI on a PostgreSQL database of this
module's own (a restore is compared with the whole of it), each scenario with its own object
store and frozen clock."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from attrs import define, field
from click.testing import CliRunner
from pytest_bdd import given, scenarios, then, when

from adapters.postgres.server import DatabaseUrls, drop_database
from application.ports.database_dump import TargetState
from domain.audit import Actor
from domain.backup import BackupCorrupted, TargetNotEmpty
from entrypoints.cli.context import CliContext
from entrypoints.cli.main import cli
from entrypoints.config import Settings
from features.conftest import Outcome, attempt
from tests.fixtures.backups import (
    backup_container,
    holdings,
    migrated,
    seed_orgs,
    skip_unless_owner_reads_every_row,
)

scenarios("backups.feature")


@define
class BackupWorld:
    urls: DatabaseUrls
    container: object
    acme: str
    globex: str
    backups: list[dict] = field(factory=list)
    copy: str = ""
    outcome: Outcome | None = None
    cli_result: object = None

    @property
    def service(self):
        return self.container.application.backups()

    def cli(self, *args: str):
        settings = Settings.from_env({"GROUNDWORK_BACKEND": "postgres"})
        return CliRunner().invoke(cli, list(args), obj=CliContext(settings, self.container))

    def listed(self) -> list[str]:
        return [b.id for b in self.service.list()]


@pytest.fixture(scope="module")
def database(fresh_database):
    urls = migrated(fresh_database)
    skip_unless_owner_reads_every_row(urls)
    return urls


@pytest.fixture
def world(database, unique_slug, pg_server):
    container = backup_container(database)
    world = BackupWorld(urls=database, container=container, acme=unique_slug("acme"),
                        globex=unique_slug("globex"))
    yield world
    container.adapters.engine().dispose()
    if world.copy:
        drop_database(pg_server, world.copy)


@given("the organizations acme and globex, each with members and an audit trail")
def two_orgs(world):
    seed_orgs(world.container, [world.acme, world.globex])


@given("an operator has backed the database up")
def backed_up(world):
    world.backups.append(world.service.create())


@given("the backup's dump has been damaged in the object store")
def damaged(world):
    store, key = world.container.adapters.object_store(), world.backups[0]["key"]
    data = b"".join(store.get(key))
    store.put(key, [data[:-10], bytes(10)])


@given("31 days have passed and the operator has backed up again")
def later_backup(world):
    world.container.adapters.clock().advance(timedelta(days=31))
    world.backups.append(world.service.create())


@when("the operator restores the backup into a new database")
def restore_into_new(world):
    world.copy = f"gw_test_{uuid.uuid4().hex[:10]}"
    world.outcome = attempt(lambda: world.service.restore(world.backups[0]["id"],
                                                          database=world.copy))


@when("the operator restores the backup without naming a database")
def restore_over_live(world):
    world.outcome = attempt(lambda: world.service.restore(world.backups[0]["id"]))


@when("the operator prunes with --yes")
def prune_yes(world):
    world.cli_result = world.cli("backup", "prune", "--yes")
    assert world.cli_result.exit_code == 0, world.cli_result.output


@when("the operator prunes without --yes and with no terminal")
def prune_no_tty(world):
    world.cli_result = world.cli("backup", "prune")


@then("every table of the copy has as many rows as the original")
def same_rows(world):
    assert world.outcome.error is None, world.outcome.error
    copy = world.urls.owner_url.set(database=world.copy)
    assert holdings(copy)[0] == holdings(world.urls.owner_url)[0] == world.backups[0]["row_counts"]


@then("every organization's audit trail ends at the same entry, with the same hash")
def same_chains(world):
    heads = holdings(world.urls.owner_url.set(database=world.copy))[1]
    assert heads == holdings(world.urls.owner_url)[1]
    assert len(heads) >= 2


@then("the application reads acme's members in the copy, and only acme's")
def app_reads_copy(world):
    copy = backup_container(DatabaseUrls.for_server(world.urls.owner_url, world.copy))
    try:
        members = copy.application.members().every(world.acme, Actor.operator("operator:ops"))
    finally:
        copy.adapters.engine().dispose()
    assert sorted(m.email for m in members) == sorted(
        f"{who}@{world.acme}.test" for who in ("owner", "m0", "m1"))


@then("the restore is refused because the backup is corrupted")
def refused_corrupted(world):
    assert "corrupted" in world.outcome.refusal(BackupCorrupted).message


@then("no database was created")
def nothing_created(world):
    assert world.container.adapters.database_dump().target_state(world.copy) == TargetState.MISSING


@then("the restore is refused because the database Groundwork serves is not empty")
def refused_in_use(world):
    refusal = world.outcome.refusal(TargetNotEmpty)
    assert "(the one Groundwork serves) is not empty" in refusal.message
    assert "--force" in refusal.message


@then("the first backup is gone and the second is listed")
def first_gone(world):
    assert world.listed() == [world.backups[1]["id"]]
    assert "pruned 1 backup(s) older than 30 days" in world.cli_result.output


@then("pruning is refused in one line that asks for --yes")
def refused_without_yes(world):
    lines = world.cli_result.output.strip().splitlines()
    assert world.cli_result.exit_code == 1 and len(lines) == 1
    assert lines[0].startswith("error: Delete these 1 backup(s) older than 30 days?")
    assert "pass --yes" in lines[0]


@then("both backups are still listed")
def both_listed(world):
    assert world.listed() == [world.backups[1]["id"], world.backups[0]["id"]]
