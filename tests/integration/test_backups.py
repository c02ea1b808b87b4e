"""Backups on PostgreSQL: several orgs seeded through the use cases, backed up with pg_dump,
restored with pg_restore into a new database, and compared table by table and chain by chain;
the application role reads the copy through row-level security. And the refusals: an unknown
id, a corrupted dump, a database in use."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.exc import DBAPIError

from adapters.postgres import catalog
from adapters.postgres import dump as dump_module
from adapters.postgres.dump import PostgresDatabaseDump, _PostgresSnapshot
from adapters.postgres.migrator import schema_head
from adapters.postgres.server import DatabaseUrls, drop_database
from application.organizations import CreateOrganization, ListOrganizations
from application.ports.database_dump import DatabaseFacts, TargetState
from domain.audit import Actor
from domain.backup import BackupCorrupted, BackupFailed, BackupNotFound, TargetNotEmpty
from tests.fixtures.backups import (
    backup_container,
    holdings,
    migrated,
    seed_orgs,
    skip_unless_owner_reads_every_row,
)

pytestmark = pytest.mark.postgres
SLUGS = ["north-wind", "south-gate", "east-bay"]
OPERATOR = Actor.operator("operator:test")


@pytest.fixture(scope="module")
def source(fresh_database):
    urls = migrated(fresh_database)
    skip_unless_owner_reads_every_row(urls)
    container = backup_container(urls)
    seed_orgs(container, SLUGS)
    yield urls, container
    container.adapters.engine().dispose()


@pytest.fixture(scope="module")
def backup(source):
    return source[1].application.backups().create()


@pytest.fixture
def missing_database(pg_server):
    """A name no database has yet; whatever a test makes under it is dropped afterwards."""
    name = f"gw_test_{uuid.uuid4().hex[:10]}"
    yield name
    drop_database(pg_server, name)


def _dump_bytes(container, backup) -> bytes:
    return b"".join(container.adapters.object_store().get(backup["key"]))


def test_a_restored_copy_holds_every_row_and_every_audit_chain(source, backup, fresh_database):
    urls, container = source
    target = fresh_database()  # empty, and dropped with its application role at the end
    report = container.application.backups().restore(backup["id"], database=target.owner_url.database)
    counts, heads = holdings(target.owner_url)
    assert (counts, heads) == holdings(urls.owner_url)
    assert counts == backup["row_counts"] and len(heads) == len(SLUGS) == report.chains
    assert {h["org_id"]: (h["seq"], h["hash"]) for h in backup["chain_heads"]} == heads
    assert counts["org"] == 3 and counts["members"] == 9 and counts["invitations"] == 3
    assert backup["schema_revision"] == schema_head()
    assert backup["pg_dump_version"].startswith("pg_dump (PostgreSQL) ")


def test_the_application_works_on_the_restored_copy_through_row_level_security(
        source, backup, fresh_database):
    target = fresh_database()
    source[1].application.backups().restore(backup["id"], database=target.owner_url.database)
    copy = backup_container(target)
    emails = {m.email for m in copy.application.members().every("north-wind", OPERATOR)}
    assert emails == {"owner@north-wind.test", "m0@north-wind.test", "m1@north-wind.test"}
    assert all(report.intact for report in copy.application.audit_verifier().verify())
    copy.adapters.engine().dispose()
    engine = create_engine(target.app_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        org = conn.execute(text("SELECT id FROM org WHERE slug = 'south-gate'")).scalar_one()
        conn.execute(text("SELECT set_config('app.org_id', :o, true)"), {"o": str(org)})
        assert set(conn.execute(text("SELECT DISTINCT org_id FROM members")).scalars()) == {org}
    with pytest.raises(DBAPIError, match="tenant context missing"), engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM members")).scalar_one()
    with engine.begin() as conn:  # the job queue's schema came back with its grants too
        assert conn.execute(text(
            "SELECT has_table_privilege('procrastinate.procrastinate_jobs', 'INSERT') "
            "AND has_schema_privilege('procrastinate', 'USAGE') AND has_function_privilege("
            "'procrastinate.procrastinate_defer_jobs_v1(procrastinate.procrastinate_job_to_defer_v1[])',"
            " 'EXECUTE')")).scalar()
    engine.dispose()


def test_a_missing_database_is_made_with_its_application_role(source, backup, missing_database,
                                                               pg_server):
    urls, container = source
    dump = PostgresDatabaseDump(urls, app_password="a-password-for-the-copy")
    container.adapters.database_dump.override(dump)
    try:
        container.application.backups().restore(backup["id"], database=missing_database)
    finally:
        container.adapters.database_dump.reset_override()
    engine = create_engine(urls.owner_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        role = conn.execute(text("SELECT rolpassword IS NOT NULL, rolbypassrls, rolsuper "
                                 "FROM pg_authid WHERE rolname = :r"),
                            {"r": f"{missing_database}_app"}).one()
    engine.dispose()
    assert tuple(role) == (True, False, False)
    copy = DatabaseUrls.for_server(pg_server, missing_database)
    assert holdings(copy.owner_url)[0] == backup["row_counts"]


def test_an_unknown_backup_is_not_found(source):
    with pytest.raises(BackupNotFound):
        source[1].application.backups().restore("20200101T000000Z-000000", database="gw_never")


def test_a_corrupted_dump_is_refused_before_the_target_is_touched(source, missing_database):
    container = source[1]
    backups = container.application.backups()
    damaged = backups.create()
    store = container.adapters.object_store()
    data = _dump_bytes(container, damaged)
    store.put(damaged["key"], [data[:100], bytes([data[100] ^ 0xFF]), data[101:]])
    with pytest.raises(BackupCorrupted, match="does not match the manifest's sha256"):
        backups.restore(damaged["id"], database=missing_database)
    assert container.adapters.database_dump().target_state(missing_database) == TargetState.MISSING


def test_a_database_with_tables_is_not_replaced_without_force(source, backup):
    urls, container = source
    before = holdings(urls.owner_url)
    with pytest.raises(TargetNotEmpty, match="the one Groundwork serves"):
        container.application.backups().restore(backup["id"])
    with pytest.raises(TargetNotEmpty):
        container.application.backups().restore(backup["id"], database=urls.owner_url.database)
    assert holdings(urls.owner_url) == before


def test_force_replaces_the_live_database_and_the_server_carries_on(fresh_database):
    urls = migrated(fresh_database)
    skip_unless_owner_reads_every_row(urls)
    container = backup_container(urls)
    seed_orgs(container, ["kept-org"], members=1)
    taken = container.application.backups().create()
    container.application.organizations().create(CreateOrganization(
        name="Later", slug="later-org", owner_email="o@later.test", actor=OPERATOR))
    report = container.application.backups().restore(taken["id"], force=True)
    assert report.replaced and report.database == urls.owner_url.database
    assert holdings(urls.owner_url)[0] == taken["row_counts"]
    listed = container.application.organizations().list(ListOrganizations(actor=OPERATOR))
    assert [o.slug for o in listed] == ["kept-org"]  # its pool reconnects as the app role
    container.adapters.engine().dispose()
    assert temporary_databases(urls.owner_url) == []
    engine = create_engine(urls.app_url, poolclass=pool.NullPool)
    with pytest.raises(DBAPIError, match="tenant context missing"), engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM members")).scalar_one()
    with engine.begin() as conn:  # the app role's grants came back: its own, not the copy's
        assert conn.execute(text("SELECT has_table_privilege('audit_entries', 'INSERT') AND NOT "
                                 "has_table_privilege('audit_entries', 'DELETE')")).scalar()
    engine.dispose()
    owner = create_engine(urls.owner_url, poolclass=pool.NullPool)
    with pytest.raises(DBAPIError, match="append-only"), owner.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries"))  # the trigger came back with the copy
    with owner.connect() as conn, conn.begin() as transaction:  # and its maintenance path
        conn.execute(text("SET LOCAL groundwork.audit_maintenance = 'on'"))
        assert conn.execute(text("DELETE FROM audit_entries")).rowcount > 0
        assert conn.execute(text("SELECT current_database() || '_app'")).scalar() == (
            urls.app_url.username)  # whom the rule refuses, even with the flag
        transaction.rollback()
    owner.dispose()


def temporary_databases(owner_url) -> list[str]:
    """The databases a restore into `owner_url`'s made beside it and left behind."""
    engine = create_engine(owner_url.set(database="postgres"), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT datname FROM pg_database WHERE starts_with(datname, :d) "
                "AND datname ~ '_(restore|replaced)_[0-9a-f]{8}$'"),
                {"d": owner_url.database}).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def occupied(fresh_database):
    """A database of someone else's: one table holding one row."""
    urls = fresh_database()
    engine = create_engine(urls.owner_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE kept (note text)"))
        conn.execute(text("INSERT INTO kept VALUES ('still here')"))
    engine.dispose()
    return urls


def still_there(urls) -> bool:
    engine = create_engine(urls.owner_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT array_agg(note) FROM kept")).scalar() == ["still here"]
    finally:
        engine.dispose()


def test_a_replacing_restore_that_fails_its_check_leaves_the_target_as_it_was(source, backup,
                                                                              occupied):
    container = source[1]
    dump = container.adapters.database_dump()
    data = _dump_bytes(container, backup)
    checked = []

    def check(facts):
        checked.append(facts)
        raise BackupFailed("differs from its manifest")

    with pytest.raises(BackupFailed, match="was left as it was"):
        dump.restore(iter([data]), occupied.owner_url.database, replace=True,
                     access=backup["access"], check=check)
    assert checked[0].row_counts == backup["row_counts"]  # the copy was loaded, then refused
    assert still_there(occupied) and temporary_databases(occupied.owner_url) == []


def test_a_replacing_restore_whose_swap_fails_leaves_the_target_as_it_was(
        source, backup, occupied, pg_server, monkeypatch):
    container = source[1]
    target = occupied.owner_url.database
    monkeypatch.setattr(dump_module.secrets, "token_hex", lambda n: "0" * 2 * n)
    in_the_way = f"{target}_replaced_00000000"  # the name the old database would take
    engine = create_engine(occupied.owner_url.set(database="postgres"), poolclass=pool.NullPool,
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {in_the_way}"))
    try:
        with pytest.raises(BackupFailed, match=f"could not take the place of '{target}'.*"
                                               "was left as it was"):
            container.application.backups().restore(backup["id"], database=target, force=True)
        assert still_there(occupied)
        assert temporary_databases(occupied.owner_url) == [in_the_way]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT datallowconn FROM pg_database WHERE datname = :d"),
                                {"d": target}).scalar_one()
    finally:
        drop_database(pg_server, in_the_way)
        engine.dispose()


def test_pg_restore_failing_is_one_reason_and_rolls_back(source, missing_database):
    dump = source[1].adapters.database_dump()
    # A header of a version there never was: pg_restore stops reading at once (a broken pipe)
    garbage = (b"PGDMP" if n == 0 else bytes(1_000_000) for n in range(8))
    with pytest.raises(BackupFailed, match="^pg_restore failed: .*unsupported version"):
        dump.restore(garbage, missing_database, replace=False, access={})
    assert dump.target_state(missing_database) == TargetState.EMPTY


def test_a_dump_that_breaks_off_restores_nothing(source, backup, missing_database):
    data = _dump_bytes(source[1], backup)

    def broken():
        yield data[: len(data) // 2]
        raise OSError("the object store went away")

    dump = source[1].adapters.database_dump()
    with pytest.raises(OSError, match="went away"):
        dump.restore(broken(), missing_database, replace=False, access={})
    assert dump.target_state(missing_database) == TargetState.EMPTY


def test_pg_dump_failing_is_one_reason(source):
    urls = source[0]
    snapshot = _PostgresSnapshot(None, "00000003-0000001B-1", urls.owner_url, "nobody")
    with pytest.raises(BackupFailed, match="^pg_dump failed: .*snapshot"):
        list(snapshot.stream())


def test_a_reader_that_stops_early_stops_pg_dump(source):
    with source[1].adapters.database_dump().snapshot() as snapshot:
        chunks = snapshot.stream()
        assert next(chunks).startswith(b"PGDMP")
        chunks.close()


def test_an_empty_database_has_no_tables_chains_or_revision(fresh_database):
    engine = create_engine(fresh_database().owner_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        assert catalog.facts(conn) == DatabaseFacts(row_counts={}, chain_heads=())
        assert catalog.schema_revision(conn) is None
    engine.dispose()


@pytest.mark.parametrize("grant", [
    {"on": "TABLE; DROP TABLE org", "name": "org", "privileges": "SELECT"},
    {"on": "TABLE", "name": "org", "privileges": "SELECT; DROP TABLE org"},
    {"on": "TABLE", "name": "no_such_table", "privileges": "SELECT"},
])
def test_a_grant_the_manifest_could_not_have_is_refused(source, grant):
    engine = create_engine(source[0].owner_url, poolclass=pool.NullPool)
    with engine.connect() as conn, pytest.raises(BackupFailed):
        catalog.grant(conn, "nobody", {"grants": [grant]})
    engine.dispose()
