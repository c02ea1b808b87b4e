"""Tenant backfills at 10,000 orgs: every org visited once under its own binding, in batches that
commit one by one, resumed after a stop, shared safely by two runners at once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, pool, text

from adapters.postgres.migrator import Migrator
from adapters.postgres.tenant_backfills import BackfillProgress, TenantBackfills, UnknownBackfill
from migrations.backfills import BACKFILLS, TenantBackfill
from tests.fixtures.backfills import seed_orgs_with_sign_ins, wrong_last_sign_ins
from tests.fixtures.database import skip_on_citus

pytestmark = pytest.mark.postgres

ORGS = 10_000
LAST_SIGN_IN = "0023_member_last_sign_in"
BEFORE = "0022_tenant_backfills"


class Stop(Exception):
    pass


@pytest.fixture(scope="module")
def seeded_database(fresh_database, superuser_url):
    """A database at the revision before the backfill's, seeded, then taken to the backfill's
    revision with its schema change only (the backfill not run)."""
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade(BEFORE)
    admin = create_engine(superuser_url(urls), poolclass=pool.NullPool)
    seed_orgs_with_sign_ins(admin, ORGS)
    admin.dispose()
    return urls


def _schema_only(urls) -> None:
    """The revision applied with no backfill run (`db upgrade --schema-only`)."""
    migrator = Migrator(urls.owner_url)
    migrator.upgrade(LAST_SIGN_IN, backfill=False)
    migrator.dispose()


def _state(engine) -> tuple:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT orgs_done, finished_at IS NOT NULL FROM maintenance.tenant_backfills "
            "WHERE name = :name"), {"name": LAST_SIGN_IN}).one()


def test_a_backfill_stopped_half_way_resumes_and_reaches_all_10000_orgs(seeded_database,
                                                                       superuser_url):
    urls = seeded_database
    _schema_only(urls)
    owner = create_engine(urls.owner_url, poolclass=pool.NullPool)
    admin = create_engine(superuser_url(urls), poolclass=pool.NullPool)
    backfills = TenantBackfills(owner, batch_size=1000)
    assert backfills.pending() == [LAST_SIGN_IN]
    assert wrong_last_sign_ins(admin) == ORGS  # each org's owner has no last sign-in yet

    seen: list[BackfillProgress] = []

    def stop_after_three(progress: BackfillProgress) -> None:
        seen.append(progress)
        if len(seen) == 3:
            raise Stop

    with pytest.raises(Stop):
        backfills.run(stop_after_three)
    assert [p.done for p in seen] == [1000, 2000, 3000]
    assert {p.total for p in seen} == {ORGS}
    assert _state(owner) == (3000, False)  # three batches committed, and recorded
    assert wrong_last_sign_ins(admin) == ORGS - 3000

    resumed: list[BackfillProgress] = []
    assert Migrator(urls.owner_url).backfills_pending() == [LAST_SIGN_IN]
    Migrator(urls.owner_url).upgrade(progress=resumed.append)  # `db upgrade` resumes it
    assert resumed[0].done > 3000 and resumed[-1] == BackfillProgress(LAST_SIGN_IN, ORGS, ORGS,
                                                                      True)
    assert _state(owner) == (ORGS, True)  # every org counted once: none visited twice
    assert wrong_last_sign_ins(admin) == 0
    assert backfills.pending() == [] and backfills.run() == []
    owner.dispose()
    admin.dispose()


def test_two_runners_at_once_share_the_work_and_visit_each_org_once(fresh_database,
                                                                     superuser_url):
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade(BEFORE)
    admin = create_engine(superuser_url(urls), poolclass=pool.NullPool)
    seed_orgs_with_sign_ins(admin, 600)
    _schema_only(urls)
    visits = create_engine(urls.owner_url, poolclass=pool.NullPool)
    with visits.begin() as conn:  # a log of every visit, written under each org's binding
        conn.execute(text("CREATE TABLE maintenance.visits (org_id uuid)"))
        app = urls.app_url.username
        conn.execute(text(f'GRANT USAGE ON SCHEMA maintenance TO "{app}"'))
        conn.execute(text(f'GRANT INSERT ON maintenance.visits TO "{app}"'))
    counting = TenantBackfill(name=LAST_SIGN_IN, statement=(
        "WITH visit AS (INSERT INTO maintenance.visits VALUES (CAST(:org_id AS uuid))) "
        + BACKFILLS[LAST_SIGN_IN].statement))
    errors: list[BaseException] = []

    def runner() -> None:
        engine = create_engine(urls.owner_url, poolclass=pool.NullPool)
        try:
            TenantBackfills(engine, batch_size=25, known={LAST_SIGN_IN: counting}).run()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with visits.connect() as conn:
        counts = conn.execute(text(
            "SELECT count(*), count(DISTINCT org_id) FROM maintenance.visits")).one()
    assert tuple(counts) == (600, 600)
    assert _state(visits) == (600, True)
    assert wrong_last_sign_ins(admin) == 0
    visits.dispose()
    admin.dispose()


def test_a_backfill_this_code_does_not_know_stops_the_upgrade_with_its_name(pg_urls):
    owner = create_engine(pg_urls.owner_url, poolclass=pool.NullPool)
    with owner.begin() as conn:
        conn.execute(text("INSERT INTO maintenance.tenant_backfills (name) "
                          "VALUES ('9999_from_the_future')"))
    try:
        with pytest.raises(UnknownBackfill, match="9999_from_the_future"):
            TenantBackfills(owner).run()
    finally:
        with owner.begin() as conn:
            conn.execute(text("DELETE FROM maintenance.tenant_backfills "
                              "WHERE name = '9999_from_the_future'"))
        owner.dispose()


def test_before_its_revision_nothing_is_pending(fresh_database):
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade("0021_platform_operators")
    owner = create_engine(urls.owner_url, poolclass=pool.NullPool)
    assert TenantBackfills(owner).pending() == []
    owner.dispose()


def test_a_backfill_and_a_change_locking_one_persons_memberships_across_orgs_never_deadlock(
        fresh_database, superuser_url):
    """A password change locks the person's memberships in the order they joined; the backfill
    walks orgs in id order. The person joined the org of the higher id first: were the
    backfill to hold one org's rows while taking the next's, the two would deadlock."""
    skip_on_citus("the test slows the backfill with pg_sleep, a volatile function Citus refuses "
                  "in a distributed UPDATE; the backfill itself passes there")
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade(BEFORE)
    admin = create_engine(superuser_url(urls), poolclass=pool.NullPool)
    seed_orgs_with_sign_ins(admin, 2)
    with admin.begin() as conn:
        first, second = conn.execute(text("SELECT id FROM org ORDER BY id")).scalars()
        person = conn.execute(text("SELECT user_id FROM members WHERE org_id = :o AND "
                                   "role = 'owner'"), {"o": second}).scalar_one()
        conn.execute(text("INSERT INTO members (org_id, id, user_id, role, created_at) "
                          "VALUES (:o, gen_random_uuid(), :u, 'member', now() + interval '1 h')"),
                     {"o": first, "u": person})
        conn.execute(text(  # and signed in there, so that the backfill writes that row too
            "INSERT INTO audit_entries (org_id, id, seq, actor_type, actor_id, actor_label, "
            "action, resource_type, resource_id, prev_hash, hash) VALUES (:o, gen_random_uuid(), "
            "4, 'user', :u, 'someone', 'auth.login', 'session', 'x', 'h', 'h')"),
            {"o": first, "u": person})
    _schema_only(urls)
    owner = create_engine(urls.owner_url, poolclass=pool.NullPool)
    slow = TenantBackfill(name=LAST_SIGN_IN, statement=(  # holds its org's rows a while
        BACKFILLS[LAST_SIGN_IN].statement + " AND pg_sleep(0.3) IS NOT NULL"))
    holding, outcome = threading.Event(), {}

    def change_the_person() -> None:  # as end_sessions_everywhere: membership by membership
        try:
            with owner.begin() as conn:
                for n, org_id in enumerate((second, first)):  # the order they joined
                    conn.exec_driver_sql(f"SET LOCAL app.org_id = '{org_id}'")
                    conn.execute(text("SELECT 1 FROM members WHERE org_id = :o AND user_id = :u "
                                      "FOR UPDATE"), {"o": org_id, "u": person})
                    if n == 0:
                        holding.set()
                        time.sleep(0.6)
            outcome["change"] = "ok"
        except Exception as error:  # noqa: BLE001 - the assertion below names it
            outcome["change"] = type(error).__name__

    def backfill() -> None:
        holding.wait()
        try:
            TenantBackfills(owner, known={LAST_SIGN_IN: slow}).run()
            outcome["backfill"] = "ok"
        except Exception as error:  # noqa: BLE001 - the assertion below names it
            outcome["backfill"] = type(error).__name__

    threads = [threading.Thread(target=change_the_person), threading.Thread(target=backfill)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome == {"change": "ok", "backfill": "ok"}
    assert wrong_last_sign_ins(admin) == 0
    owner.dispose()
    admin.dispose()
