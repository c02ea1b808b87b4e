"""The platform role, logged in as itself: it reads the platform's reports (counts and times)
and nothing else; it writes no tenant's data; the application role cannot read the reports."""

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.exc import DBAPIError

from application.organizations import CreateOrganization
from tests.fixtures.database import skip_on_citus

pytestmark = pytest.mark.postgres

PASSWORD = "platform-test-password"


@pytest.fixture
def platform_engine(admin_engine, pg_urls):
    role = f"{pg_urls.owner_url.database}_platform"
    with admin_engine.begin() as conn:
        conn.execute(text(f'ALTER ROLE "{role}" LOGIN PASSWORD \'{PASSWORD}\''))
    engine = create_engine(pg_urls.app_url.set(username=role, password=PASSWORD),
                           poolclass=pool.NullPool)
    yield engine
    engine.dispose()
    with admin_engine.begin() as conn:
        conn.execute(text(f'ALTER ROLE "{role}" NOLOGIN PASSWORD NULL'))


@pytest.fixture
def org_id(pg_container, operator, unique_slug):
    slug = unique_slug("plat")
    return pg_container.application.organizations().create(CreateOrganization(
        name="P", slug=slug, owner_email=f"owner@{slug}.test", actor=operator)).id


def test_the_platform_role_reads_the_report_and_nothing_else(platform_engine, org_id):
    skip_on_citus("the platform reports (Citus reads the shards as the calling role)")
    with platform_engine.connect() as conn:
        report = {row.id: row for row in conn.execute(text("SELECT * FROM platform.org_report()"))}
        assert report[org_id].members == 1 and report[org_id].last_activity is not None
        assert conn.execute(text("SELECT current_setting('app.org_id', true)")).scalar() in (None, "")
        granted = conn.execute(text(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relkind IN ('r', 'p', 'v') "
            "AND has_table_privilege(oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')")).scalars().all()
        assert granted == []
    for table in ("members", "org", "users", "audit_entries", "support_grants"):
        with platform_engine.begin() as conn, pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text(f"SET LOCAL app.org_id = '{org_id}'"))
            conn.execute(text(f"SELECT * FROM {table}"))


@pytest.mark.parametrize("statement", [
    "UPDATE org SET name = 'x' WHERE id = :org",
    "DELETE FROM members WHERE org_id = :org",
    "INSERT INTO support_grants (org_id, id, operator, reason, expires_at) "
    "VALUES (:org, gen_random_uuid(), 'x', 'x', now())",
    "UPDATE audit_entries SET action = 'x' WHERE org_id = :org",
])
def test_the_platform_role_writes_no_tenant_data(platform_engine, org_id, statement):
    with platform_engine.begin() as conn, pytest.raises(DBAPIError, match="permission denied"):
        conn.execute(text(f"SET LOCAL app.org_id = '{org_id}'"))
        conn.execute(text(statement), {"org": org_id})


def test_the_application_role_cannot_read_the_report(app_engine):
    with app_engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
        conn.execute(text("SELECT * FROM platform.org_report()"))
