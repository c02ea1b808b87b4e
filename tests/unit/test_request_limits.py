"""Requests per minute by plan (application.rate_limits): the org's window for sessions, a
window per API key, the limit remembered for a while, none for an unlimited plan."""

import uuid
from datetime import timedelta

import pytest

from adapters.security.request_counter import LimitsRequestCounter
from application.api_keys import CreateApiKey
from application.errors import RateLimited
from application.organizations import CreateOrganization
from application.principals import ApiKeyCredential, SessionCredential
from application.rate_limits import LIMIT_TTL, RequestLimits
from tests.fixtures.app import memory_container


@pytest.fixture
def world(operator):
    container = memory_container()
    org_id = container.application.organizations().create(CreateOrganization(
        name="Acme", slug="acme", owner_email="ada@acme.test", actor=operator)).id
    limits = RequestLimits(container.adapters.unit_of_work,
                           LimitsRequestCounter("memory://", now=lambda: 30.0),
                           container.adapters.clock())
    return container, limits, org_id


def _session(org_id):
    return SessionCredential(user_id=uuid.uuid4(), org_id=org_id, session_id=uuid.uuid4())


def _limit(container, operator, value):
    container.application.quotas().override("acme", "requests_per_minute", value, operator)


def test_sessions_share_the_org_window_and_are_refused_past_it(world, operator):
    container, limits, org_id = world
    _limit(container, operator, 2)
    assert [limits.admit(_session(org_id)).remaining for _ in range(2)] == [1, 0]
    with pytest.raises(RateLimited) as refused:
        limits.admit(_session(org_id))
    assert refused.value.code == "rate_limited" and refused.value.retry_after == 30
    assert refused.value.window.limit == 2


def test_a_key_has_a_window_of_its_own_with_the_orgs_limit(world, operator):
    container, limits, org_id = world
    _limit(container, operator, 1)
    prefix = container.application.api_keys().create(CreateApiKey(
        slug="acme", actor=operator, name="ci", scopes=["org:read"])).key.prefix
    limits.admit(_session(org_id))
    assert limits.admit(ApiKeyCredential(prefix=prefix, secret="x")).limit == 1
    with pytest.raises(RateLimited):
        limits.admit(ApiKeyCredential(prefix=prefix, secret="x"))


def test_the_limit_is_remembered_until_its_time_is_up(world, operator):
    container, limits, org_id = world
    _limit(container, operator, 5)
    assert limits.admit(_session(org_id)).limit == 5
    _limit(container, operator, 7)
    assert limits.admit(_session(org_id)).limit == 5
    container.adapters.clock().advance(LIMIT_TTL + timedelta(seconds=1))
    assert limits.admit(_session(org_id)).limit == 7


def test_nothing_is_counted_without_a_limit_or_a_known_org(world, operator):
    container, limits, org_id = world
    _limit(container, operator, None)
    assert limits.admit(_session(org_id)) is None
    assert limits.admit(_session(uuid.uuid4())) is None
    assert limits.admit(ApiKeyCredential(prefix="nosuch", secret="x")) is None


def test_the_remembered_limits_stay_bounded(world, monkeypatch):
    _, limits, _ = world
    monkeypatch.setattr("application.rate_limits.MAX_REMEMBERED", 3)
    for n in range(5):
        limits.admit(ApiKeyCredential(prefix=f"p{n}", secret="x"))
    assert len(limits._limits) == 2
