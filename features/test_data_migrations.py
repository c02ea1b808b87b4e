"""Steps for data_migrations.feature: the tenant backfills on a fresh PostgreSQL database."""

from __future__ import annotations

import pytest
from attrs import define
from pytest_bdd import given, scenarios, then, when
from sqlalchemy import Engine, create_engine, pool, text

from adapters.postgres.migrator import Migrator
from adapters.postgres.tenant_backfills import BackfillProgress, TenantBackfills
from migrations.backfills import TenantBackfill
from tests.fixtures.backfills import seed_orgs_with_sign_ins, wrong_last_sign_ins

scenarios("data_migrations.feature")

BACKFILL = "0023_member_last_sign_in"
ORGS = 30


class Stopped(Exception):
    """The upgrade's process going away after a committed batch."""


@define
class Upgrade:
    owner: Engine
    admin: Engine
    migrator: Migrator


@pytest.fixture
def upgrade(fresh_database, superuser_url):
    urls = fresh_database()
    state = Upgrade(owner=create_engine(urls.owner_url, poolclass=pool.NullPool),
                    admin=create_engine(superuser_url(urls), poolclass=pool.NullPool),
                    migrator=Migrator(urls.owner_url))
    yield state
    state.migrator.dispose()
    state.owner.dispose()
    state.admin.dispose()


def _not_filled(admin: Engine) -> int:
    """Orgs whose owner's last sign-in is still missing."""
    with admin.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM members WHERE role = 'owner' "
                                 "AND last_sign_in_at IS NULL")).scalar_one()


@given("a database at the revision before the last sign-in, with 30 organizations whose "
       "sign-ins are only in their audit logs")
def seeded(upgrade):
    upgrade.migrator.upgrade("0022_tenant_backfills")
    seed_orgs_with_sign_ins(upgrade.admin, ORGS)
    upgrade.migrator.upgrade(BACKFILL, backfill=False)


@when("the database is upgraded with batches of 10 organizations, and the upgrade stops after "
      "the first batch")
def stopped_after_one_batch(upgrade):
    def stop(_progress: BackfillProgress) -> None:
        raise Stopped

    with pytest.raises(Stopped):
        TenantBackfills(upgrade.owner, batch_size=10).run(stop)


@then("the last sign-ins of 10 organizations are filled in, and those of the other 20 are not")
def ten_filled(upgrade):
    assert _not_filled(upgrade.admin) == ORGS - 10


@then("the backfill is reported as pending")
def pending(upgrade):
    assert upgrade.migrator.backfills_pending() == [BACKFILL]


@when("the database is upgraded again")
def upgraded_again(upgrade):
    upgrade.migrator.upgrade()


@then("every member's last sign-in is the latest one their organization's audit log records")
def all_filled(upgrade):
    assert wrong_last_sign_ins(upgrade.admin) == 0


@then("the backfill is recorded as finished after 30 organizations, each visited once")
def finished(upgrade):
    with upgrade.owner.connect() as conn:
        done, finished_at = conn.execute(text(
            "SELECT orgs_done, finished_at FROM maintenance.tenant_backfills WHERE name = :n"),
            {"n": BACKFILL}).one()
    assert done == ORGS and finished_at is not None
    assert upgrade.migrator.backfills_pending() == []


@when('a backfill that names no organization copies "the latest sign-in" to every owner')
def careless_backfill(upgrade):
    careless = TenantBackfill(name=BACKFILL, statement="""
        UPDATE members SET last_sign_in_at = (
            SELECT max(created_at) FROM audit_entries WHERE action = 'auth.login')
        WHERE role = 'owner'""")
    TenantBackfills(upgrade.owner, batch_size=7, known={BACKFILL: careless}).run()


@then("each owner gets the latest sign-in of their own organization, not the platform's latest")
def own_org_only(upgrade):
    assert wrong_last_sign_ins(upgrade.admin) == 0
    with upgrade.admin.connect() as conn:
        distinct = conn.execute(text("SELECT count(DISTINCT last_sign_in_at) FROM members "
                                     "WHERE role = 'owner'")).scalar_one()
    assert distinct == ORGS
