"""Timeouts and the one retry of a connection that could not be opened (a server restarting)."""

import time

import pytest
from sqlalchemy import event, make_url, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters.postgres import transaction
from adapters.postgres.outages import database_unavailable
from adapters.postgres.transaction import Compiled, Transaction, app_engine
from tests.e2e.live_server import free_port
from tests.integration.test_dead_connection import _kill_pooled_connection

pytestmark = pytest.mark.postgres
ONE = Compiled(select(text("1")))


def test_a_closed_server_fails_fast_after_one_more_try_as_an_outage():
    url = make_url(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    engine = app_engine(url, pool_size=1, connect_timeout=2)
    started = time.monotonic()
    with pytest.raises(OperationalError) as failure:
        Transaction(engine).fetch(ONE, {})
    assert transaction.RECONNECT_PAUSE <= time.monotonic() - started < 2
    assert database_unavailable(failure.value)


def test_a_connection_refused_once_is_tried_again(pg_urls, monkeypatch):
    engine = app_engine(pg_urls.app_url, pool_size=1)
    connect, calls = engine.connect, []

    def refused_once():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("connect", {}, Exception("the database system is starting up"))
        return connect()

    monkeypatch.setattr(engine, "connect", refused_once)
    tx = Transaction(engine)
    try:
        assert tx.fetch(ONE, {})[0][0] == 1
    finally:
        tx.close()
        engine.dispose()
    assert len(calls) == 2


def test_a_statement_past_its_timeout_is_cancelled_as_an_outage(pg_urls):
    engine = app_engine(pg_urls.app_url, pool_size=1, connect_timeout=3, statement_timeout=1)
    tx = Transaction(engine)
    try:
        assert tx.execute(text("SHOW statement_timeout")).scalar_one() == "1s"
        with pytest.raises(OperationalError) as failure:
            tx.execute(text("SELECT pg_sleep(3)"))
    finally:
        tx.close()
        engine.dispose()
    assert database_unavailable(failure.value)


def _pids(engine, count: int) -> set[int]:
    conns = [engine.connect() for _ in range(count)]
    try:
        return {conn.connection.driver_connection.info.backend_pid for conn in conns}
    finally:
        for conn in conns:
            conn.close()


def test_a_connection_the_server_closed_drops_the_whole_pool_when_taken(pg_urls, admin_engine):
    engine = app_engine(pg_urls.app_url, pool_size=2)
    try:
        before = _pids(engine, 2)
        _kill_pooled_connection(engine, admin_engine)
        _pids(engine, 2)  # the live one may be taken before the dead one is found
        assert _pids(engine, 2).isdisjoint(before)  # then it goes too: it was older
    finally:
        engine.dispose()


def test_a_silently_dead_connection_is_still_replaced_on_the_first_round_trip(pg_urls,
                                                                              admin_engine):
    engine = app_engine(pg_urls.app_url, pool_size=1)
    event.remove(engine, "checkout", transaction._refuse_closed_by_server)  # as on a lost network
    try:
        killed = _kill_pooled_connection(engine, admin_engine)
        tx = Transaction(engine)
        assert tx.fetch(ONE, {})[0][0] == 1
        assert tx._driver.info.backend_pid != killed
        tx.close()
    finally:
        engine.dispose()



def test_a_connect_that_timed_out_is_not_tried_again(monkeypatch):
    engine = app_engine(make_url("postgresql+psycopg://nobody@127.0.0.1:1/none"), pool_size=1)
    calls = []

    def timed_out():
        calls.append(1)
        time.sleep(transaction.RECONNECT_PAUSE + 0.1)
        raise OperationalError("connect", {}, Exception("connection timeout expired"))

    monkeypatch.setattr(engine, "connect", timed_out)
    with pytest.raises(OperationalError):
        Transaction(engine).fetch(ONE, {})
    assert len(calls) == 1


def test_a_wait_for_a_connection_that_ends_in_the_pool_timeout_is_reported_too(pg_urls):
    engine = app_engine(pg_urls.app_url, pool_size=1, connect_timeout=1)
    held = [engine.connect(), engine.connect()]  # the pool and its overflow, all taken
    waits: list[float] = []
    try:
        with pytest.raises(PoolTimeout):
            Transaction(engine, waited=waits.append).fetch(ONE, {})
        assert len(waits) == 1 and waits[0] >= 0.9
    finally:
        for conn in held:
            conn.close()
        engine.dispose()
