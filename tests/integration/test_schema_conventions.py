"""The conventions checker on the live catalog: clean on our schema, loud on a careless table."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from adapters.postgres.conventions import (
    check_conventions,
    citus_layout,
    on_citus,
    serving_refusal,
    set_commands_reach_shards,
)
from adapters.postgres.migrator import Migrator

pytestmark = pytest.mark.postgres


def test_the_migrated_schema_follows_every_convention(owner_engine, pg_urls):
    with owner_engine.connect() as conn:
        assert check_conventions(conn, pg_urls.app_url.username) == []


@pytest.fixture
def careless_database(fresh_database, superuser_url):
    """A migrated database to which someone added tenant tables the wrong way (the index and
    foreign keys on members by a superuser: FORCE holds the owner to a tenant while they
    read the table)."""
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade()
    engine = create_engine(urls.owner_url)
    with engine.begin() as conn:
        conn.execute(text("""
            CREATE TABLE invoices (
                id serial PRIMARY KEY,
                org_id uuid REFERENCES org(id) ON DELETE CASCADE,
                member_id uuid,
                created_at timestamp NOT NULL DEFAULT now()
            )"""))
        conn.execute(text("""
            CREATE TABLE notes (
                org_id uuid NOT NULL REFERENCES org(id) ON DELETE RESTRICT,
                id uuid NOT NULL,
                member_id uuid,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (org_id, id)
            )"""))
        conn.execute(text("ALTER TABLE notes ENABLE ROW LEVEL SECURITY"))
        citus = on_citus(conn)
    admin = create_engine(superuser_url(urls))
    with admin.begin() as conn:
        if not citus:  # Citus refuses a unique index without org_id on a distributed table,
            conn.execute(text("CREATE UNIQUE INDEX ON members (id)"))  # and foreign keys from
            conn.execute(text("ALTER TABLE notes ADD FOREIGN KEY (org_id, member_id) "  # a plain
                              "REFERENCES members (org_id, id)"))  # table to one
            conn.execute(text("ALTER TABLE invoices ADD FOREIGN KEY (member_id) "
                              "REFERENCES members (id)"))
    admin.dispose()
    yield urls, engine
    engine.dispose()


def test_each_broken_convention_is_named(careless_database):
    urls, engine = careless_database
    with engine.connect() as conn:
        found = {(v.table, v.rule) for v in check_conventions(conn, urls.app_url.username)}
        citus = on_citus(conn)
    expected_invoices = {"uuid_id", "timestamps", "timestamptz", "org_id", "rls", "policy",
                         "composite_key", "org_fk", "composite_fk", "org_id_index"}
    if citus:  # the foreign key that omits org_id cannot be made there
        expected_invoices.remove("composite_fk")
    assert {("invoices", rule) for rule in expected_invoices} <= found
    assert ("notes", "rls") in found  # enabled but not forced
    assert ("notes", "policy") in found
    assert ("notes", "composite_fk") not in found
    assert not {rule for table, rule in found if table in ("org", "users", "members")}


def test_a_privileged_app_role_is_reported(fresh_database, superuser_url):
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade()
    engine = create_engine(superuser_url(urls))  # only a superuser may grant BYPASSRLS
    with engine.begin() as conn:
        conn.execute(text(f'ALTER ROLE "{urls.app_url.username}" BYPASSRLS'))
        violations = check_conventions(conn, urls.app_url.username)
    engine.dispose()
    assert [v.rule for v in violations] == ["app_role"]


def test_a_policy_that_lets_everything_through_is_named(fresh_database):
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade()
    engine = create_engine(urls.owner_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE POLICY see_all ON members USING (true)"))
        violations = check_conventions(conn, urls.app_url.username)
    engine.dispose()
    assert [(v.table, v.rule) for v in violations] == [("members", "permissive_policy")]
    assert "see_all" in violations[0].message


def test_a_user_scope_policy_that_may_insert_or_delete_is_named(fresh_database):
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade()
    engine = create_engine(urls.owner_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE POLICY mine_to_write ON sessions "
                          "USING (user_id = app_current_user())"))
        violations = check_conventions(conn, urls.app_url.username)
    engine.dispose()
    assert [(v.table, v.rule) for v in violations] == [("sessions", "user_scope_policy")]
    assert "mine_to_write" in violations[0].message


def test_a_policy_with_a_subquery_is_named_as_citus_would_refuse_it(fresh_database):
    urls = fresh_database()
    Migrator(urls.owner_url).upgrade()
    engine = create_engine(urls.owner_url)
    with engine.begin() as conn:
        if on_citus(conn):  # Citus itself refuses it on a distributed table
            with pytest.raises(DBAPIError, match="SubLink"):
                conn.execute(text("CREATE POLICY wrapped ON api_keys FOR SELECT "
                                  "USING (org_id = (SELECT app_current_org()))"))
            return
        conn.execute(text("CREATE POLICY wrapped ON api_keys FOR SELECT "
                          "USING (org_id = (SELECT app_current_org()))"))
        violations = check_conventions(conn, urls.app_url.username)
    engine.dispose()
    assert [(v.table, v.rule) for v in violations] == [("api_keys", "policy_subquery")]


def test_the_layout_fits_the_engine_and_the_app_may_serve_it(owner_engine, pg_urls):
    """Plain PostgreSQL has no layout to check; on Citus (CITUS_URL) every table is laid out."""
    with owner_engine.connect() as conn:
        assert citus_layout(conn) == []
        assert set_commands_reach_shards(conn) is on_citus(conn)
    assert serving_refusal(pg_urls.app_url) is None
