"""Steps for request_path.feature, on PostgreSQL, counting what the database saw on the wire."""

from __future__ import annotations

import pytest
from attrs import define, field
from pytest_bdd import given, parsers, scenarios, then, when

from application.api_keys import CreateApiKey
from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, postgres_container_on_own_pool
from tests.fixtures.app import set_password as _set_password
from tests.integration.wire import WireTrace

scenarios("request_path.feature")
PEOPLE = ("owner", "admin", "member")


@define
class World:
    client: object
    container: object
    wire: WireTrace
    slugs: dict[str, str] = field(factory=dict)
    tokens: dict[str, str] = field(factory=dict)
    key: tuple[str, str] | None = None
    response: object = None

    def headers(self, who: str) -> dict[str, str]:
        token = self.key[1] if who == "the API key" else self.tokens[who]
        return {"Authorization": f"Bearer {token}"}

    def call(self, who: str, method: str, path: str, **kwargs):
        self.response = getattr(self.client, method)(path, headers=self.headers(who), **kwargs)
        return self.response


@pytest.fixture
def world(pg_urls, operator, unique_slug):
    container, engine = postgres_container_on_own_pool(pg_urls)
    yield World(client=create_app(container).test_client(), container=container,
                wire=WireTrace(engine), slugs={"acme": unique_slug("acme")})
    engine.dispose()


def _who(text: str) -> str:
    return "the API key" if "API key" in text else text.removeprefix("the ").strip()


def _members_path(world: World, org: str) -> str:
    return f"/api/v1/orgs/{world.slugs.get(org, org)}/members"


@given("the organization acme with an owner, an admin and a member, each signed in")
def acme(world, operator):
    slug = world.slugs["acme"]
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    for role in ("admin", "member"):
        world.container.application.members().add(AddMember(
            slug=slug, email=f"{role}@{slug}.test", role=role, actor=operator))
    for who in PEOPLE:
        _set_password(world.container, f"{who}@{slug}.test")
        _sign_in(world, who)


def _sign_in(world, who: str) -> None:
    answer = world.client.post("/api/v1/auth/login",
                               json={"email": f"{who}@{world.slugs['acme']}.test", "password": PASSWORD})
    assert answer.status_code == 200, answer.json
    world.tokens[who] = answer.json["access_token"]


@given("acme has an API key that may read and write the organization")
def api_key(world, operator):
    created = world.container.application.api_keys().create(CreateApiKey(
        slug=world.slugs["acme"], actor=operator, name="ci", scopes=["org:read", "org:write"]))
    world.key = (str(created.key.id), created.secret)


@given("the organization globex exists")
def globex(world, operator, unique_slug):
    world.slugs["globex"] = unique_slug("globex")
    world.container.application.organizations().create(CreateOrganization(
        name="Globex", slug=world.slugs["globex"], owner_email="owner@globex.test", actor=operator))


@given(parsers.re(r"(?P<who>the \w+|the API key) has just listed the members of acme"))
def listed(world, who):
    assert world.call(_who(who), "get", _members_path(world, "acme")).status_code == 200


@given(parsers.parse('the admin has just renamed acme to "{name}"'))
def renamed(world, name):
    response = world.call("admin", "patch", f"/api/v1/orgs/{world.slugs['acme']}", json={"name": name})
    assert response.status_code == 200


@when(parsers.re(r"(?P<who>the \w+|the API key) lists the members of (?P<org>acme|globex)"))
def lists(world, who, org):
    for _ in range(6):  # psycopg prepares statements on their 5th use: measure the steady state
        world.call(_who(who), "get", _members_path(world, org))
    world.wire.clear()
    world.call(_who(who), "get", _members_path(world, org))


@when(parsers.parse("the owner sets acme's timezone to \"{zone}\""))
def sets_timezone(world, zone):
    path = f"/api/v1/orgs/{world.slugs['acme']}"
    for warm in ["Asia/Tokyo", "America/Lima"] * 3:
        world.call("owner", "patch", path, json={"settings": {"timezone": warm}})
    world.wire.clear()
    assert world.call("owner", "patch", path, json={"settings": {"timezone": zone}}).status_code == 200


@when("the member signs out")
def signs_out(world):
    assert world.call("member", "post", "/api/v1/auth/logout").status_code == 204


def _member_id(world, email):
    listed = world.call("owner", "get", _members_path(world, "acme")).json
    return next(m["id"] for m in listed if m["email"] == email)


@when("the owner removes the member from acme")
def removes(world):
    member = _member_id(world, f"member@{world.slugs['acme']}.test")
    assert world.call("owner", "delete", f"{_members_path(world, 'acme')}/{member}").status_code == 204


@when("an operator adds the member back to acme")
def adds_back(world, operator):
    world.container.application.members().add(AddMember(
        slug=world.slugs["acme"], email=f"member@{world.slugs['acme']}.test", role="member",
        actor=operator))


@when("the owner makes the admin a viewer")
def demotes(world):
    admin = _member_id(world, f"admin@{world.slugs['acme']}.test")
    response = world.call("owner", "patch", f"{_members_path(world, 'acme')}/{admin}",
                          json={"role": "viewer"})
    assert response.status_code == 200


@when("the owner revokes the API key")
def revokes(world):
    path = f"/api/v1/orgs/{world.slugs['acme']}/api-keys/{world.key[0]}"
    assert world.call("owner", "delete", path).status_code == 200


@then("the answer lists the owner, the admin and the member")
def lists_everyone(world):
    assert world.response.status_code == 200
    slug = world.slugs["acme"]
    assert sorted(m["email"] for m in world.response.json) == sorted(f"{w}@{slug}.test" for w in PEOPLE)


def _the_transaction(world):
    """The request's transaction, after the one statement that counted the request against
    its plan's requests per minute (with no Redis; autocommit, in one round trip)."""
    counted, tally = world.wire.tallies()
    assert (counted.commands, counted.round_trips, counted.transactions) == (("INSERT",), 1, 0)
    return tally


@then(parsers.parse("the database saw one transaction of {statements:d} statements in at most "
                    "{trips:d} round trips"))
def one_transaction(world, statements, trips):
    tally = _the_transaction(world)
    assert (tally.transactions, tally.statements) == (1, statements), tally
    assert tally.round_trips <= trips, tally


@then("the database saw one transaction that updated the organization and appended one audit entry")
def one_write(world):
    tally = _the_transaction(world)
    assert tally.transactions == 1 and tally.commands[-1] == "COMMIT", tally
    assert (tally.commands.count("UPDATE"), tally.commands.count("INSERT")) == (1, 1), tally


@then(parsers.parse('the audit log of acme ends with "{action}" by the owner'))
def audited(world, action):
    entries = world.call("owner", "get", f"/api/v1/orgs/{world.slugs['acme']}/audit?limit=200").json
    last = entries["entries"][-1]
    assert (last["action"], last["actor_label"]) == (action, f"owner@{world.slugs['acme']}.test")


@then(parsers.re(r"(?P<who>the \w+|the API key)'s next request is refused as unauthenticated"))
def refused(world, who):
    response = world.call(_who(who.removesuffix("'s")), "get", _members_path(world, "acme"))
    assert response.status_code == 401 and response.json["code"] == "unauthenticated"


@then("once signed in again, the admin's rename of acme is refused as forbidden")
def forbidden(world):
    _sign_in(world, "admin")
    response = world.call("admin", "patch", f"/api/v1/orgs/{world.slugs['acme']}", json={"name": "X"})
    assert response.status_code == 403


@then('the answer is "not found", and the database saw no read of members')
def not_found(world):
    assert world.response.status_code == 404
    tally = _the_transaction(world)
    assert tally.commands.count("SELECT") == 1, tally  # the principal only
