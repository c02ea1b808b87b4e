"""Every revision goes up, down and up again on an empty database; the models never drift."""

import pytest
from sqlalchemy import create_engine, text

from adapters.postgres.conventions import on_citus
from adapters.postgres.migrator import Migrator
from migrations.helpers import MissingExtension, require_extensions

pytestmark = pytest.mark.postgres


def _tables(urls) -> set[str]:
    engine = create_engine(urls.owner_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    finally:
        engine.dispose()


def _misnamed_not_nulls(urls) -> list[str]:
    """NOT NULL constraints (named since PostgreSQL 18) of plain tables not named
    <table>_<column>_not_null: what a rebuilt table leaves behind (Citus's undistribute_table,
    in 0010's downgrade). Citus's own tables are left out: distributing a table renames them,
    and Citus cannot rename a distributed table's constraints back."""
    engine = create_engine(urls.owner_url)
    try:
        with engine.connect() as conn:
            citus = on_citus(conn)
            return list(conn.execute(text(f"""
                SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                WHERE c.contype = 'n' AND c.connamespace = 'public'::regnamespace
                  AND c.conname <> t.relname || '_' || a.attname || '_not_null'
                  {"AND c.conrelid NOT IN (SELECT logicalrelid FROM pg_dist_partition)"
                   if citus else ""}""")).scalars())
    finally:
        engine.dispose()


def test_each_revision_upgrades_downgrades_and_upgrades_again(fresh_database):
    urls = fresh_database()
    migrator = Migrator(urls.owner_url)
    previous = None
    for revision in migrator.revisions():
        migrator.upgrade(revision)
        assert migrator.current() == revision
        migrator.downgrade(previous or "base")
        assert migrator.current() == previous
        assert _misnamed_not_nulls(urls) == [], revision
        migrator.upgrade(revision)
        assert migrator.current() == revision
        previous = revision
    assert migrator.current() == migrator.head()
    migrator.downgrade("base")
    assert _tables(urls) == {"alembic_version"}
    migrator.upgrade("head")
    assert {"org", "users", "members", "audit_entries"} <= _tables(urls)


def test_the_models_match_the_migrated_schema(pg_urls):
    assert Migrator(pg_urls.owner_url).drift() == []


def test_drift_is_noticed(fresh_database):
    urls = fresh_database()
    migrator = Migrator(urls.owner_url)
    migrator.upgrade()
    engine = create_engine(urls.owner_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE org ADD COLUMN nickname text"))
    engine.dispose()
    assert any("nickname" in str(diff) for diff in migrator.drift())


def test_extensions_are_installed(owner_engine):
    with owner_engine.connect() as conn:
        installed = set(conn.execute(text("SELECT extname FROM pg_extension")).scalars())
    assert {"pg_trgm", "vector"} <= installed


def test_a_server_without_an_extension_is_refused_with_a_way_out(owner_engine):
    with owner_engine.connect() as conn, pytest.raises(MissingExtension) as caught:
        require_extensions(conn, ("pg_trgm", "vector", "no_such_extension"))
    message = str(caught.value)
    assert "no_such_extension" in message
    assert "pg_trgm" not in message.split("available")[0]


def test_the_pgvector_message_says_how_to_get_it(owner_engine, monkeypatch):
    with owner_engine.connect() as conn:
        conn.execute(text("CREATE TEMP VIEW pg_available_extensions AS "
                          "SELECT name FROM pg_catalog.pg_available_extensions WHERE name <> 'vector'"))
        with pytest.raises(MissingExtension) as caught:
            require_extensions(conn)
    assert "vector" in str(caught.value)
    assert "pgvector" in str(caught.value)
