"""What one request costs the database, counted on the wire: a read is one transaction of at most
five statements in three round trips; a write, audit entry included, one transaction too. With
no Redis, each is counted against its plan's requests per minute first: one statement more."""

import pytest

from application.api_keys import CreateApiKey
from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, postgres_container_on_own_pool
from tests.fixtures.app import set_password as _set_password
from tests.integration.wire import WireTrace

WARM_UP = 6  # psycopg prepares a statement on its 5th use: count the steady state


@pytest.fixture
def traced(pg_urls, operator, unique_slug):
    """An app on a one-connection pool whose every checkout is traced; an org of 20 members."""
    container, engine = postgres_container_on_own_pool(pg_urls)
    slug = unique_slug("wire")
    container.application.organizations().create(CreateOrganization(
        name="Wire", slug=slug, owner_email=f"owner@{slug}.test", actor=operator,
        plan="pro"))
    for i in range(19):
        container.application.members().add(AddMember(slug=slug, email=f"m{i}@{slug}.test",
                                                      role="member", actor=operator))
    _set_password(container, f"owner@{slug}.test")
    client = create_app(container).test_client()
    login = client.post("/api/v1/auth/login", json={"email": f"owner@{slug}.test", "password": PASSWORD})
    key = container.application.api_keys().create(CreateApiKey(
        slug=slug, actor=operator, name="wire", scopes=["org:read", "org:write"])).secret
    wire = WireTrace(engine)
    yield client, slug, {"Authorization": f"Bearer {login.json['access_token']}"}, \
        {"Authorization": f"Bearer {key}"}, wire
    engine.dispose()


def _steady(client, wire, method: str, path: str, headers: dict, **kwargs):
    for _ in range(WARM_UP):
        assert getattr(client, method)(path, headers=headers, **kwargs).status_code == 200
    wire.clear()
    response = getattr(client, method)(path, headers=headers, **kwargs)
    assert response.status_code == 200, response.json
    tallies = wire.tallies()
    assert len(tallies) == 2, f"{len(tallies)} connection checkouts for one request"
    counted, tally = tallies
    _counted_alone(counted)
    return response, tally


def _counted_alone(tally):
    """The request counted against its plan's requests per minute: one statement, autocommit."""
    assert tally.commands == ("INSERT",) and tally.round_trips == 1 and tally.transactions == 0


def test_a_members_list_by_access_token_is_one_transaction_in_four_round_trips(traced):
    client, slug, session, _, wire = traced
    response, tally = _steady(client, wire, "get", f"/api/v1/orgs/{slug}/members", session)
    assert len(response.json) == 20
    assert tally.transactions == 1
    assert tally.commands == ("BEGIN", "SET", "SELECT", "SELECT", "COMMIT")
    assert tally.round_trips <= 4  # "BEGIN; SET LOCAL" is one message


def test_a_members_list_by_api_key_costs_what_a_token_does_once_its_prefix_is_known(traced):
    client, slug, _, key, wire = traced
    response, tally = _steady(client, wire, "get", f"/api/v1/orgs/{slug}/members", key)
    assert len(response.json) == 20
    assert tally.transactions == 1
    # the prefix's org was looked up once (before BEGIN) and is remembered: it never changes
    assert tally.commands == ("BEGIN", "SET", "SELECT", "SELECT", "COMMIT")
    assert tally.round_trips <= 4


def test_a_key_seen_for_the_first_time_is_looked_up_once_before_the_transaction(traced):
    client, slug, session, _, wire = traced
    created = client.post(f"/api/v1/orgs/{slug}/api-keys", headers=session,
                          json={"name": "fresh", "scopes": ["org:read"]})
    assert created.status_code == 201, created.json
    headers = {"Authorization": f"Bearer {created.json['secret']}"}
    wire.clear()
    assert client.get(f"/api/v1/orgs/{slug}/members", headers=headers).status_code == 200
    assert client.get(f"/api/v1/orgs/{slug}/members", headers=headers).status_code == 200
    limit, counted, first, counted_again, second = wire.tallies()
    # the prefix, alone, in autocommit, then the org's limit (remembered for a while)
    assert limit.commands[:2] == ("SELECT", "BEGIN")
    _counted_alone(counted)
    _counted_alone(counted_again)
    assert first.commands[0] == second.commands[0] == "BEGIN"


@pytest.mark.parametrize("credential", ["session", "key"])
def test_a_settings_write_with_its_audit_entry_is_one_transaction(traced, credential):
    client, slug, session, key, wire = traced
    headers = session if credential == "session" else key
    for zone in ["Europe/Berlin", "America/Lima"] * WARM_UP:  # each a change, so each writes
        client.patch(f"/api/v1/orgs/{slug}", headers=headers, json={"settings": {"timezone": zone}})
    wire.clear()
    response = client.patch(f"/api/v1/orgs/{slug}", headers=headers,
                            json={"settings": {"timezone": "Asia/Tokyo"}})
    assert response.status_code == 200, response.json
    counted, tally = wire.tallies()
    _counted_alone(counted)
    assert tally.transactions == 1
    assert tally.commands.count("INSERT") == 1 and tally.commands.count("UPDATE") == 1
    assert tally.commands[-1] == "COMMIT"
    # the principal, the update, the audit head and entry, commit
    assert tally.round_trips <= 6


def test_a_wrong_password_and_an_unknown_address_cost_the_database_alike(traced):
    """Sign-in failures are one read and one write transaction either way (the time argon2 takes
    is the same too: an unknown address is checked against a dummy hash)."""
    client, slug, _, _, wire = traced
    tallies = []
    for email in (f"owner@{slug}.test", f"nobody@{slug}.test"):
        wire.clear()
        answer = client.post("/api/v1/auth/login", json={"email": email, "password": "wrong guess!"})
        assert answer.status_code == 401
        tallies.append(wire.tallies())
    known, unknown = tallies
    assert [t.transactions for t in known] == [t.transactions for t in unknown] == [1, 1]
    assert known[0].commands == unknown[0].commands  # the person, their memberships
    assert unknown[1].commands.count("INSERT") == 1  # the platform's failure log
    # the person's own org log too: two statements more, in the same transaction
    assert known[1].round_trips - unknown[1].round_trips <= 2
