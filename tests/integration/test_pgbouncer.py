"""PgBouncer in transaction mode in front of the test database, with the settings of
deploy/pgbouncer/pgbouncer.ini and a single server connection that every client shares: a tenant
bound with SET LOCAL never reaches another client, and the app's engine works through it, its
statement timeout included."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import psycopg.errors
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from adapters.postgres.server import DatabaseUrls
from adapters.postgres.transaction import Transaction, app_engine
from application.members import AddMember, ListMembers
from application.organizations import CreateOrganization
from tests.fixtures.app import postgres_container
from tests.fixtures.pgbouncer import PGBOUNCER, Bouncer, running_pgbouncer

if PGBOUNCER is None:
    pytest.skip("pgbouncer is not installed (apt-get install pgbouncer): the tests of SET LOCAL "
                "through a transaction pooler need it", allow_module_level=True)

pytestmark = pytest.mark.postgres
TIMEOUT_MS = 1000  # instead of the file's 20 s, so that a test can wait it out


@pytest.fixture(scope="module")
def bouncer(pg_urls) -> Iterator[Bouncer]:
    with running_pgbouncer(pg_urls.app_url, statement_timeout_ms=TIMEOUT_MS) as running:
        yield running


@pytest.fixture
def client(bouncer):
    """Factory: the app's engine through PgBouncer with one connection, that is one client."""
    engines = []

    def make(*, statement_timeout: int = 30, prepared: bool | None = None):
        engine = app_engine(bouncer.url, pool_size=1, statement_timeout=statement_timeout)
        if not (bouncer.follows_prepared_statements if prepared is None else prepared):
            # PgBouncer before 1.21 (Debian 12 has 1.18) cannot follow psycopg's prepared
            # statements; compose's 1.25 does (max_prepared_statements), so the app prepares there.
            event.listen(engine, "connect", lambda driver, _: setattr(driver, "prepare_threshold",
                                                                       None))
        engines.append(engine)
        return engine
    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def two_orgs(pg_container, operator, unique_slug) -> dict[str, uuid.UUID]:
    orgs = {}
    for name in ("a", "b"):
        slug = unique_slug(name)
        orgs[name] = pg_container.application.organizations().create(CreateOrganization(
            name=name.upper(), slug=slug, owner_email=f"owner@{slug}.test", actor=operator)).id
    return orgs


def _backend_pid(tx: Transaction) -> int:
    return tx.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_interleaved_tenants_see_only_their_own_rows_on_one_shared_server_connection(
        client, two_orgs):
    clients = [(org, client()) for org in (*two_orgs.values(), *two_orgs.values())]
    seen, pids, start = [], set(), threading.Barrier(len(clients))

    def work(org: uuid.UUID, engine) -> None:
        start.wait()
        for _ in range(20):
            tx = Transaction(engine)
            try:
                tx.set_local("app.org_id", org)
                seen.append((org, set(tx.execute(text("SELECT org_id FROM members")).scalars())))
                pids.add(_backend_pid(tx))
                tx.commit()
            finally:
                tx.close()

    threads = [threading.Thread(target=work, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(seen) == 20 * len(clients)
    assert all(rows == {org} for org, rows in seen)
    assert len(pids) == 1  # four clients, one server connection: every binding crossed it


def test_an_unbound_transaction_after_another_clients_tenant_sees_no_tenant_rows(
        client, two_orgs):
    bound, unbound = client(), client()
    tx = Transaction(bound)
    tx.set_local("app.org_id", two_orgs["a"])
    assert set(tx.execute(text("SELECT org_id FROM members")).scalars()) == {two_orgs["a"]}
    pid = _backend_pid(tx)
    tx.commit()
    tx.close()
    with unbound.connect() as conn:  # no SET at all, not even the app's empty one
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() == pid
        with pytest.raises(DBAPIError, match="tenant context missing"):
            conn.exec_driver_sql("SELECT org_id FROM members").all()


def test_the_app_works_through_pgbouncer(bouncer, client, pg_urls, operator, unique_slug):
    """Two app containers, each one client: orgs made and members listed through PgBouncer, the
    lists alternating past psycopg's prepare threshold."""
    through = DatabaseUrls(owner_url=pg_urls.owner_url, app_url=bouncer.url)
    apps, slugs = [postgres_container(through) for _ in "ab"], [unique_slug(n) for n in "ab"]
    for app, slug in zip(apps, slugs, strict=True):
        app.adapters.engine.override(client(statement_timeout=20))
        app.application.organizations().create(CreateOrganization(
            name=slug, slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
        app.application.members().add(AddMember(slug=slug, email=f"ada@{slug}.test",
                                                role="member", actor=operator))
    for _ in range(12):
        for app, slug in zip(apps, slugs, strict=True):
            page = app.application.members().list(ListMembers(slug=slug, actor=operator))
            assert {m.email for m in page.members} == {f"owner@{slug}.test", f"ada@{slug}.test"}


def test_pgbouncers_statement_timeout_cancels_a_long_statement(client):
    engine = client(statement_timeout=30)  # asked for as a startup option, which PgBouncer drops
    tx = Transaction(engine)
    try:
        assert tx.execute(text("SHOW statement_timeout")).scalar_one() == f"{TIMEOUT_MS // 1000}s"
        started = time.monotonic()
        with pytest.raises(DBAPIError) as cancelled:
            tx.execute(text("SELECT pg_sleep(3)"))
        assert isinstance(cancelled.value.orig, psycopg.errors.QueryCanceled)
        assert time.monotonic() - started < 2.5
    finally:
        tx.close()
    with engine.connect() as conn:  # the client goes on
        assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1


def _alternate(engines, times: int = 12) -> None:
    """The same statement on each client in turn, past psycopg's prepare threshold (5)."""
    for n in range(times):
        for engine in engines:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT CAST(:n AS int) + 1"), {"n": n}).scalar() == n + 1


def test_clients_sharing_a_server_connection_prepare_the_same_statement(bouncer, client):
    if not bouncer.follows_prepared_statements:
        major, minor = bouncer.version
        pytest.skip(f"PgBouncer {major}.{minor} has no max_prepared_statements (1.21+)")
    engines = [client(), client()]
    _alternate(engines)
    with engines[0].connect() as conn:  # they were prepared on the server, as PgBouncer's own
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar() > 0


def test_without_max_prepared_statements_clients_preparing_collide(bouncer, client):
    """Why compose's PgBouncer is 1.21 or later with max_prepared_statements set."""
    if bouncer.follows_prepared_statements:
        pytest.skip("this PgBouncer follows prepared statements")
    with pytest.raises(DBAPIError) as collided:
        _alternate([client(prepared=True), client(prepared=True)])
    assert isinstance(collided.value.orig, psycopg.errors.DuplicatePreparedStatement)
