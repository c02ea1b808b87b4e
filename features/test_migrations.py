"""Steps for migrations.feature: each scenario migrates its own fresh PostgreSQL database.

Kept whole (a little over 200 lines): the steps share one database fixture and read in order."""

from __future__ import annotations

import json
import logging
import re

import pytest
from attrs import define
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import Engine, create_engine, pool, text

from adapters.postgres.migrator import Migrator
from adapters.postgres.server import DatabaseUrls

scenarios("migrations.feature")

_APPLIED = re.compile(r"Running upgrade (?P<down>[^ ,]*) -> (?P<up>[^ ,]+)")

# Everything a migration may create, read from the catalog; alembic's own table is bookkeeping.
_SCHEMA_QUERIES = {
    "columns": """
        SELECT table_name, column_name, data_type, is_nullable, column_default
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> 'alembic_version'""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> 'alembic_version'""",
    "constraints": """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> 'alembic_version'""",
    "policies": """
        SELECT tablename, policyname, qual, with_check FROM pg_policies
        WHERE schemaname = 'public'""",
    "row_security": """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
          AND c.relname <> 'alembic_version'""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'""",
    "extensions": "SELECT extname FROM pg_extension",
    "app_role": "SELECT rolname FROM pg_roles WHERE rolname = current_database() || '_app'",
}


@define
class Database:
    urls: DatabaseUrls
    migrator: Migrator
    owner: Engine
    schema_before_latest: dict | None = None

    def tables(self) -> set[str]:
        with self.owner.connect() as conn:
            return set(conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())

    def schema(self) -> dict[str, set[tuple]]:
        with self.owner.connect() as conn:
            return {name: {tuple(row) for row in conn.execute(text(query))}
                    for name, query in _SCHEMA_QUERIES.items()}

    def revision_before_latest(self) -> str | None:
        revisions = self.migrator.revisions()
        return revisions[-2] if len(revisions) > 1 else None


@pytest.fixture
def database(fresh_database):
    urls = fresh_database()
    db = Database(urls=urls, migrator=Migrator(urls.owner_url),
                  owner=create_engine(urls.owner_url, poolclass=pool.NullPool))
    yield db
    db.migrator.dispose()
    db.owner.dispose()


@pytest.fixture
def migration_log(caplog):
    """What alembic reports while it runs: one 'Running upgrade a -> b' line per migration."""
    caplog.set_level(logging.INFO, logger="alembic.runtime.migration")
    return caplog


# --- Given ---------------------------------------------------------------------------------


@given("an empty database")
def empty_database(database):
    assert database.tables() == set()
    assert database.migrator.current() is None


@given("the database has been upgraded to the latest version")
def upgraded(database):
    before_latest = database.revision_before_latest()
    if before_latest is not None:
        database.migrator.upgrade(before_latest)
    database.schema_before_latest = database.schema()
    database.migrator.upgrade("head")
    assert database.migrator.current() == database.migrator.head()


# --- When ----------------------------------------------------------------------------------


@when("I upgrade the database to the latest version")
def upgrade(database, migration_log):
    migration_log.clear()
    database.migrator.upgrade("head")


@when("I roll back one migration")
def roll_back_one(database):
    database.migrator.downgrade("-1")


@when("I roll every migration back")
def roll_back_all(database):
    database.migrator.downgrade("base")


@when(parsers.parse('someone adds a column "{column}" to the table "{table}" by hand'))
def add_column_by_hand(database, column, table):
    with database.owner.begin() as conn:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" text')


# --- Then ----------------------------------------------------------------------------------


@then("the database reports the latest migration as its current version")
def at_latest(database):
    head = database.migrator.head()
    assert head is not None
    assert database.migrator.current() == head


@then("the database reports the migration before the latest as its current version")
def at_before_latest(database):
    assert database.migrator.current() == database.revision_before_latest()


@then("the database reports no current version")
def at_base(database):
    assert database.migrator.current() is None


@then("every migration has been applied, oldest first")
def all_applied(database, migration_log):
    applied = [match["up"] for record in migration_log.records
               if (match := _APPLIED.search(record.getMessage()))]
    assert applied, "alembic reported no migration at all"
    assert applied == database.migrator.revisions()


@then(parsers.re(r'the tables (?P<names>.+) exist'))
def tables_exist(database, names):
    expected = set(re.findall(r'"([^"]+)"', names))
    missing = expected - database.tables()
    assert not missing, f"missing tables: {sorted(missing)}"


@then("the schema is exactly what it was before the latest migration")
def schema_restored(database):
    before, now = database.schema_before_latest, database.schema()
    differences = {part: {"left over": sorted(map(str, now[part] - before[part])),
                          "missing": sorted(map(str, before[part] - now[part]))}
                   for part in before if before[part] != now[part]}
    assert not differences, json.dumps(differences, indent=2)


@then("no table is left but the migration bookkeeping")
def only_bookkeeping(database):
    assert database.tables() == {"alembic_version"}


@then("the schema matches the models exactly")
def no_drift(database):
    assert database.migrator.drift() == []


@then(parsers.parse('the drift check reports the column "{column}"'))
def drift_reported(database, column):
    differences = database.migrator.drift()
    assert any(column in str(diff) for diff in differences), differences


@then(parsers.re(r'the extensions (?P<names>.+) are installed'))
def extensions_installed(database, names):
    expected = set(re.findall(r'"([^"]+)"', names))
    assert expected
    with database.owner.connect() as conn:
        installed = set(conn.execute(text("SELECT extname FROM pg_extension")).scalars())
    assert expected <= installed, f"missing extensions: {sorted(expected - installed)}"


@then(parsers.parse('trigram similarity ranks "{text_a}" closer to "{near}" than to "{far}"'))
def trigram_similarity(database, text_a, near, far):
    with database.owner.connect() as conn:
        scores = conn.execute(text("SELECT similarity(:a, :near), similarity(:a, :far)"),
                              {"a": text_a, "near": near, "far": far}).one()
    assert scores[0] > scores[1], scores


@then(parsers.parse("vector distance between {left} and {right} is {distance:g}"))
def vector_distance(database, left, right, distance):
    with database.owner.connect() as conn:
        measured = conn.execute(text("SELECT CAST(:l AS vector) <-> CAST(:r AS vector)"),
                                {"l": left.replace(" ", ""), "r": right.replace(" ", "")}).scalar_one()
    assert measured == pytest.approx(distance)
