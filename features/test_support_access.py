"""Steps for support_access.feature: the operator through the use cases the CLI runs, Ada over
HTTP, on the in-memory adapters with a clock that moves when told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from application.organizations import CreateOrganization
from application.support import OpenSupport
from domain.errors import Forbidden
from entrypoints.http.app import create_app
from features.api_world import ApiWorld
from features.conftest import attempt
from tests.fixtures.app import set_password

scenarios("support_access.feature")


@pytest.fixture
def world(container, unique_slug):
    return ApiWorld(client=create_app(container).test_client(), container=container,
                    org=unique_slug("acme"))


@given("Ada owns acme and is signed in")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    set_password(world.container, world.email("Ada"))
    world.sign_in("Ada")


@when(parsers.parse('an operator opens support access to acme for {minutes:d} minutes because '
                    '"{reason}"'))
def open_access(world, operator, minutes, reason):
    world.answers = [world.container.application.support().open(
        OpenSupport(slug=world.org, reason=reason, minutes=minutes, actor=operator))]


def _grants(world) -> list[dict]:
    answer = world.call("Ada", "get", f"/orgs/{world.org}/support-grants")
    assert answer.status_code == 200, answer.json
    return answer.json


@then("Ada sees the operator's open access to acme and its reason")
def ada_sees_it(world, operator):
    [grant] = _grants(world)
    assert (grant["operator"], grant["state"]) == (operator.label, "open")
    assert grant["reason"] == "ticket 42: no invoices"


@then("the operator reads acme's members, and acme's audit log records it with the grant")
def operator_reads(world, operator):
    support = world.container.application.support()
    assert [m.email for m in support.members(world.org, operator)] == [world.email("Ada")]
    [last] = support.audit(world.org, operator, limit=1)
    assert (last["action"], last["actor"]) == ("support.members_read", operator.label)
    answer = world.call("Ada", "get", f"/orgs/{world.org}/audit?action=support.members_read")
    assert answer.json["entries"][0]["details"]["grant_id"] == str(world.answers[0].id)


@when(parsers.parse("{minutes:d} minutes pass"))
def time_passes(world, minutes):
    world.container.adapters.clock().advance(timedelta(minutes=minutes))


@then("Ada sees that access as expired")
def expired(world):
    world.sign_in("Ada")  # her access token lasts 15 minutes
    assert [g["state"] for g in _grants(world)] == ["expired"]


@then("the operator is refused acme's members for want of an open grant")
def refused(world, operator):
    outcome = attempt(lambda: world.container.application.support().members(world.org, operator))
    assert outcome.refusal(Forbidden).code == "no_support_grant"


@then("acme's audit chain verifies")
def chain_verifies(world):
    [chain] = world.container.application.audit_verifier().verify(world.org)
    assert chain.intact
