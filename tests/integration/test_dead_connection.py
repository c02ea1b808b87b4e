"""The pool does not ping: a pooled connection that died (a restarted server, a killed backend,
a proxy's idle timeout) fails the unit of work's first round trip, and that is retried once on
a fresh connection, before any statement of the request ran."""

import time

import pytest
from sqlalchemy import text

from application.organizations import CreateOrganization, GetOrganization
from tests.fixtures.app import postgres_container_on_own_pool


@pytest.fixture
def one_connection(pg_urls):
    container, engine = postgres_container_on_own_pool(pg_urls)
    yield container, engine
    engine.dispose()


def _kill_pooled_connection(engine, admin_engine) -> int:
    with engine.connect() as conn:
        pid = conn.connection.driver_connection.info.backend_pid
    with admin_engine.connect() as owner:  # Citus adds pg_terminate_backend(bigint, bigint)
        owner.execute(text("SELECT pg_terminate_backend(CAST(:pid AS integer))"), {"pid": pid})
        deadline = time.monotonic() + 10  # the backend is gone before the next checkout
        while _alive(owner, pid):
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)
    return pid


def _alive(owner, pid: int) -> bool:
    found = owner.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                          {"pid": pid}).scalar_one()
    owner.rollback()  # pg_stat_activity is read once per transaction
    return bool(found)


def test_a_dead_pooled_connection_is_replaced_and_the_request_succeeds(one_connection, admin_engine,
                                                                       operator, unique_slug):
    container, engine = one_connection
    slug = unique_slug("dead")
    container.application.organizations().create(CreateOrganization(
        name="Dead", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    for _ in range(3):
        killed = _kill_pooled_connection(engine, admin_engine)
        org = container.application.organizations().get(GetOrganization(slug=slug, actor=operator))
        assert org.slug == slug
        with engine.connect() as conn:
            assert conn.connection.driver_connection.info.backend_pid != killed


def test_a_dead_connection_on_an_api_key_lookup_is_replaced_too(one_connection, admin_engine,
                                                                operator, unique_slug):
    container, engine = one_connection
    slug = unique_slug("deadkey")
    container.application.organizations().create(CreateOrganization(
        name="Dead", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    _kill_pooled_connection(engine, admin_engine)
    with container.adapters.unit_of_work() as uow:
        assert uow.api_keys.locate("no-such-prefix") is None
