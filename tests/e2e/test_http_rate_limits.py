"""Requests per minute by plan over HTTP, on both backends: 429 problem past the limit with
Retry-After, RateLimit-* headers on every counted answer, orgs and keys in their own windows,
an operator's override within the time a limit is remembered, exact under a burst."""

import threading
import time
from datetime import timedelta

import pytest
from dependency_injector import providers

from adapters.security.request_counter import LimitsRequestCounter
from adapters.system import FrozenClock
from application.organizations import CreateOrganization
from application.rate_limits import LIMIT_TTL, RequestLimits
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, START, set_password

MID_MINUTE = time.time() // 60 * 60 + 20  # windows read this time: no minute ends mid-test


@pytest.fixture
def api(any_container, operator, unique_slug):
    """Two orgs with an owner signed in each; requests counted in the backend's own storage."""
    clock = FrozenClock(START)
    limits = RequestLimits(any_container.adapters.unit_of_work,
                           LimitsRequestCounter(any_container.adapters.attempt_counters(),
                                                now=lambda: MID_MINUTE),
                           clock)
    slugs = [unique_slug("rl"), unique_slug("rl")]
    client = create_app(any_container).test_client()
    headers = []
    with any_container.application.request_limits.override(providers.Object(limits)):
        for slug in slugs:
            any_container.application.organizations().create(CreateOrganization(
                name=slug, slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
            set_password(any_container, f"owner@{slug}.test")
            token = client.post("/api/v1/auth/login", json={
                "email": f"owner@{slug}.test", "password": PASSWORD}).json["access_token"]
            headers.append({"Authorization": f"Bearer {token}"})
        yield client, slugs, headers, any_container, clock


def _limit(container, operator, slug, value):
    container.application.quotas().override(slug, "requests_per_minute", value, operator)


def _rate(response):
    return tuple(int(response.headers[f"RateLimit-{name}"]) for name in ("Limit", "Remaining", "Reset"))


def test_past_the_limit_the_org_is_told_to_slow_down_and_others_are_not(api, operator):
    client, (a, b), (owner_a, owner_b), container, _ = api
    _limit(container, operator, a, 3)
    answers = [client.get(f"/api/v1/orgs/{a}", headers=owner_a) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [_rate(r) for r in answers] == [(3, 2, 40), (3, 1, 40), (3, 0, 40), (3, 0, 40)]
    refused = answers[-1]
    assert refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "rate_limited" and refused.json["status"] == 429
    assert refused.headers["Retry-After"] == refused.headers["RateLimit-Reset"]
    other = client.get(f"/api/v1/orgs/{b}/members", headers=owner_b)
    assert other.status_code == 200 and _rate(other) == (600, 599, 40)  # the free plan's


def test_a_key_counts_in_its_own_window_with_the_orgs_limit(api, operator):
    client, (a, _), (owner_a, _), container, _ = api
    _limit(container, operator, a, 2)
    created = client.post(f"/api/v1/orgs/{a}/api-keys", json={"name": "ci", "scopes": ["org:read"]},
                          headers=owner_a)
    assert created.status_code == 201 and _rate(created) == (2, 1, 40)
    key = {"Authorization": f"Bearer {created.json['secret']}"}
    assert client.get(f"/api/v1/orgs/{a}", headers=owner_a).status_code == 200
    assert client.get(f"/api/v1/orgs/{a}", headers=owner_a).status_code == 429
    by_key = [client.get(f"/api/v1/orgs/{a}/members", headers=key) for _ in range(3)]
    assert [r.status_code for r in by_key] == [200, 200, 429]
    assert [_rate(r)[1] for r in by_key] == [1, 0, 0]


def test_an_override_takes_effect_once_the_remembered_limit_expires(api, operator):
    client, (a, _), (owner_a, _), container, clock = api
    _limit(container, operator, a, 5)
    assert _rate(client.get(f"/api/v1/orgs/{a}", headers=owner_a))[:2] == (5, 4)
    _limit(container, operator, a, 2)  # lowered: the remembered 5 holds a while
    assert _rate(client.get(f"/api/v1/orgs/{a}", headers=owner_a))[:2] == (5, 3)
    clock.advance(LIMIT_TTL)
    lowered = client.get(f"/api/v1/orgs/{a}", headers=owner_a)
    assert lowered.status_code == 429 and _rate(lowered)[:2] == (2, 0)
    _limit(container, operator, a, 10)  # raised
    clock.advance(LIMIT_TTL + timedelta(seconds=1))
    raised = client.get(f"/api/v1/orgs/{a}", headers=owner_a)
    assert raised.status_code == 200 and _rate(raised)[:2] == (10, 6)


def test_of_twenty_requests_at_once_against_ten_exactly_ten_pass(api, operator):
    client, (a, _), (owner_a, _), container, _ = api
    _limit(container, operator, a, 10)
    app, start, statuses = client.application, threading.Barrier(20), []

    def call():
        start.wait()
        statuses.append(app.test_client().get(f"/api/v1/orgs/{a}", headers=owner_a).status_code)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 10 + [429] * 10


def test_an_unlimited_plan_sends_no_rate_limit_headers(api, operator):
    client, (a, _), (owner_a, _), container, _ = api
    _limit(container, operator, a, None)
    answer = client.get(f"/api/v1/orgs/{a}", headers=owner_a)
    assert answer.status_code == 200 and "RateLimit-Limit" not in answer.headers


def test_the_openapi_document_names_the_headers_and_the_429(api):
    client = api[0]
    operation = client.get("/openapi.json").json["paths"]["/api/v1/orgs/{slug}/members"]["get"]
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(
        operation["responses"]["200"]["headers"])
    assert "Retry-After" in operation["responses"]["429"]["headers"]
