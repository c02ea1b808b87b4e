"""Steps for quotas.feature: the HTTP API on PostgreSQL, with an operator at the CLI's use cases."""

from __future__ import annotations

import time

import pytest
from dependency_injector import providers
from pytest_bdd import given, parsers, scenarios, then, when

from adapters.security.request_counter import LimitsRequestCounter
from application.organizations import CreateOrganization
from application.rate_limits import RequestLimits
from entrypoints.http.app import create_app
from features.api_world import ApiWorld
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.concurrency import all_at_once

scenarios("quotas.feature")


@pytest.fixture
def world(pg_container, unique_slug):
    return ApiWorld(client=create_app(pg_container).test_client(), container=pg_container,
                    org=unique_slug("acme"))


@pytest.fixture
def free_plan_members(pg_container):
    """The free plan's member limit, put back after a scenario that changes it."""
    quotas = pg_container.application.quotas()
    before = quotas.plans()["free"]["members"]
    yield
    quotas.set_plan_limit("free", "members", before)


def _usage(world) -> dict:
    answer = world.call("Ada", "get", f"/orgs/{world.org}/usage")
    assert answer.status_code == 200, answer.json
    return {u["name"]: (u["used"], u["limit"]) for u in answer.json["limits"]} | {
        "plan": answer.json["plan"]}


def _make_key(world):
    return world.client.post(f"/api/v1/orgs/{world.org}/api-keys",
                             headers={"Authorization": f"Bearer {world.tokens['Ada']}"},
                             json={"name": "k", "scopes": ["org:read"]})


@given("Ada owns acme, on the free plan, and is signed in")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    _set_password(world.container, world.email("Ada"))
    world.sign_in("Ada")


@when("Ada looks at acme's usage")
def looks(world):
    world.answers = [_usage(world)]


@then(parsers.parse("she sees the plan {plan}"))
def sees_plan(world, plan):
    assert world.answers[0]["plan"] == plan


@then("members are 1 of 5, API keys 0 of 3, pending invitations 0 of 10")
def free_limits(world):
    usage = world.answers[0]
    assert (usage["members"], usage["api_keys"], usage["pending_invitations"]) == (
        (1, 5), (0, 3), (0, 10))
    assert usage["storage_bytes"] == (0, 1024**3)


@given(parsers.re(r"an operator has limited acme to (?P<n>\d+) (?P<what>API keys?|pending invitations)"))
def limited(world, operator, n, what):
    name = "api_keys" if what.startswith("API") else "pending_invitations"
    world.container.application.quotas().override(world.org, name, int(n), operator)


@when(parsers.parse("Ada asks for {n:d} API keys at the same moment"))
def many_keys(world, n):
    app = world.client.application
    world.answers = all_at_once([
        (lambda: app.test_client().post(
            f"/api/v1/orgs/{world.org}/api-keys",
            headers={"Authorization": f"Bearer {world.tokens['Ada']}"},
            json={"name": "k", "scopes": ["org:read"]})) for _ in range(n)])


@then(parsers.parse("exactly {n:d} are made"))
def exactly_made(world, n):
    assert sum(1 for a in world.answers if a.status_code == 201) == n


@then(parsers.parse("the {n:d} others are refused because the limit of {allowed:d} API keys is reached"))
def others_refused(world, n, allowed):
    refused = [a for a in world.answers if a.status_code != 201]
    assert len(refused) == n
    for answer in refused:
        assert answer.status_code == 409 and answer.json["code"] == "quota_exceeded"
        assert (answer.json["limit"], answer.json["allowed"]) == ("api_keys", allowed)


@when(parsers.parse("Ada invites {n:d} people"))
def invites(world, n):
    world.answers = [world.call("Ada", "post", f"/orgs/{world.org}/invitations",
                                json={"email": f"p{i}@{world.org}.test", "role": "member"})
                     for i in range(n)]


@then(parsers.parse("the third invitation is refused because the limit of {n:d} pending "
                    "invitations is reached"))
def third_refused(world, n):
    assert [a.status_code for a in world.answers] == [201, 201, 409]
    assert world.answers[2].json["limit"] == "pending_invitations"
    assert world.answers[2].json["allowed"] == n


@then(parsers.parse("acme's usage shows {used:d} of {limit:d} pending invitations"))
def usage_invitations(world, used, limit):
    assert _usage(world)["pending_invitations"] == (used, limit)


@given("Ada has made an API key")
def made_key(world):
    assert _make_key(world).status_code == 201


@when("an operator moves acme to the pro plan and clears its own limit")
def to_pro(world, operator):
    quotas = world.container.application.quotas()
    assert _make_key(world).status_code == 409  # at the limit until then
    quotas.move_to_plan(world.org, "pro", operator)
    quotas.override(world.org, "api_keys", None, operator, clear=True)


@then("Ada can make another API key")
def another_key(world):
    assert _make_key(world).status_code == 201


@then(parsers.parse("acme's usage shows the plan {plan} with {used:d} of {limit:d} API keys"))
def usage_keys(world, plan, used, limit):
    usage = _usage(world)
    assert usage["plan"] == plan and usage["api_keys"] == (used, limit)


@when(parsers.parse("an operator lets the free plan have {n:d} members"))
def free_members(world, free_plan_members, n):
    world.container.application.quotas().set_plan_limit("free", "members", n)


@then(parsers.parse("acme's usage shows {used:d} of {limit:d} members"))
def usage_members(world, used, limit):
    assert _usage(world)["members"] == (used, limit)


@pytest.fixture
def one_minute(pg_container):
    """Requests counted (in PostgreSQL) as if all in one minute, whenever the clock turns."""
    now = time.time() // 60 * 60 + 20
    limits = RequestLimits(pg_container.adapters.unit_of_work, LimitsRequestCounter(
        pg_container.adapters.attempt_counters(), now=lambda: now), pg_container.adapters.clock())
    with pg_container.application.request_limits.override(providers.Object(limits)):
        yield


@given(parsers.parse("an operator has set acme's requests per minute to {n:d}"))
def requests_limited(world, operator, one_minute, n):
    world.container.application.quotas().override(world.org, "requests_per_minute", n, operator)


@when(parsers.parse("Ada reads acme {n:d} times within a minute"))
def reads(world, n):
    world.answers = [world.call("Ada", "get", f"/orgs/{world.org}") for _ in range(n)]


@then("the fourth answer is a 429 problem rate_limited with Retry-After")
def fourth_refused(world):
    assert [a.status_code for a in world.answers] == [200, 200, 200, 429]
    refused = world.answers[3]
    assert refused.mimetype == "application/problem+json" and refused.json["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == refused.headers["RateLimit-Reset"] == "40"


@then(parsers.parse("every answer said the limit of {n:d}, what remained of it and when the "
                    "minute ends"))
def said_the_limit(world, n):
    said = [(a.headers["RateLimit-Limit"], a.headers["RateLimit-Remaining"],
             a.headers["RateLimit-Reset"]) for a in world.answers]
    assert said == [(str(n), "2", "40"), (str(n), "1", "40"), (str(n), "0", "40"),
                    (str(n), "0", "40")]
