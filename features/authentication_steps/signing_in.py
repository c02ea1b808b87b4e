"""Signing in: the tokens it gives, the organization they open, what the audit log records."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pytest_bdd import parsers, then, when

from features.authentication_steps.client import (
    access_token,
    assert_problem,
    open_session,
    read_org,
    sign_in,
)
from features.authentication_steps.given import each_owner_has_signed_in
from features.authentication_steps.world import (
    ACCESS_TTL,
    WHO,
    WRONG_PASSWORD,
    audit_entries,
    user_id_of,
)
from features.conftest import rows_to_dicts
from tests.fixtures.app import PASSWORD

# --- When ----------------------------------------------------------------------------------


@when(parsers.re(WHO + r" signs in"))
def signs_in(world, who):
    open_session(world, who)


@when(parsers.re(WHO + r" signs in to (?P<label>\w+)"))
def signs_in_to(world, who, label):
    open_session(world, who, org=label)


@when(parsers.re(WHO + r" signs in without naming an organization"))
def signs_in_without_org(world, who):
    sign_in(world, who)


@when("each owner signs in")
def each_owner_signs_in(world):
    each_owner_has_signed_in(world)


# --- Then ----------------------------------------------------------------------------------


@then("the sign-in succeeds with a Bearer access token valid for 15 minutes and a refresh token")
def sign_in_succeeded(world):
    assert world.last.status_code == 200, world.last.get_json()
    body = world.last.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == ACCESS_TTL
    assert body["access_token"] and body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]


@then(parsers.parse("the answer names the organization {label}"))
def answer_names_org(world, label):
    tenant = world.tenant(label)
    assert world.last.status_code == 200, world.last.get_json()
    org = world.last.get_json()["org"]
    assert (org["id"], org["slug"], org["name"]) == (str(tenant.id), tenant.slug, label.capitalize())


@then(parsers.parse("the answer is the organization {label}"))
def answer_is_org(world, label):
    tenant = world.tenant(label)
    assert world.last.status_code == 200, world.last.get_json()
    body = world.last.get_json()
    assert (body["id"], body["slug"], body["status"]) == (str(tenant.id), tenant.slug, "active")


@then("the members are:")
def members_are(world, datatable):
    assert world.last.status_code == 200, world.last.get_json()
    rows = rows_to_dicts(datatable)
    listed = {(m["email"], m["role"]) for m in world.last.get_json()}
    expected = {(world.person(row["person"]).email, row["role"]) for row in rows}
    assert listed == expected
    signed_in = {m["email"]: m["last_sign_in_at"] for m in world.last.get_json()}
    for row in rows:
        if "last sign-in" in row:
            reads = _sign_in_reads(signed_in[world.person(row["person"]).email],
                                   world.container.adapters.clock().now())
            assert reads == row["last sign-in"], signed_in


def _sign_in_reads(last_sign_in_at: str | None, now: datetime) -> str:
    """'never', 'just now' (within the minute before the server's clock), or the time itself."""
    if last_sign_in_at is None:
        return "never"
    ago = now - datetime.fromisoformat(last_sign_in_at)
    return "just now" if timedelta(0) <= ago < timedelta(minutes=1) else last_sign_in_at


@then("no answer so far contained a password or a password hash")
def no_secret_in_answers(world):
    for response in world.seen:
        text = response.get_data(as_text=True)
        assert PASSWORD not in text
        assert "password" not in text.lower()
        assert "$argon2" not in text


@then(parsers.re(r'the audit log of (?P<label>\w+) records "(?P<action>[\w.]+)" for ' + WHO))
def audit_records(world, label, action, who):
    person = world.person(who)
    user_id = user_id_of(world.container, person.email)
    entries = [e for e in audit_entries(world, label) if e.action == action]
    assert entries, f"no {action} in {[e.action for e in audit_entries(world, label)]}"
    latest = entries[-1]
    assert latest.actor_id == user_id or latest.actor_label == person.email or \
        latest.resource_id == person.email, latest
    assert PASSWORD not in json.dumps(latest.details) and WRONG_PASSWORD not in json.dumps(latest.details)


@then(parsers.re(r'the sign-in is refused as invalid with the code "(?P<code>\w+)", offering '
                 r"(?P<a>\w+) and (?P<b>\w+)"))
def refused_org_required(world, code, a, b):
    body = assert_problem(world.last, 422)
    assert body["code"] == code
    offered = body["errors"]["org"][0]
    assert offered == f"choose one of: {', '.join(sorted([world.tenant(a).slug, world.tenant(b).slug]))}"
    assert "access_token" not in body


@then(parsers.re(WHO + r" can read the organization (?P<label>\w+)"))
def can_read(world, who, label):
    response = read_org(world, label, access_token(world, who))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["slug"] == world.tenant(label).slug


@then(parsers.re(WHO + r"'s token is for (?P<label>\w+) as an? (?P<role>\w+)"))
def token_is_for(world, who, label, role):
    me = world.call("GET", "/api/v1/me", token=access_token(world, who))
    assert me.status_code == 200, me.get_json()
    assert (me.get_json()["org"]["slug"], me.get_json()["org"]["role"]) == (world.tenant(label).slug, role)


@then(parsers.re(WHO + r" cannot see the organization (?P<label>\w+): it answers 404"))
def cannot_see(world, who, label):
    body = assert_problem(read_org(world, label, access_token(world, who)), 404)
    assert body["code"] == "org_not_found"
    assert str(world.tenant(label).id) not in json.dumps(body)
