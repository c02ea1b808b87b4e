"""Roles and membership: removing a member, what each role may do, a new account's password."""

from __future__ import annotations

import uuid

from pytest_bdd import parsers, then, when

from features.authentication_steps.client import (
    access_token,
    assert_problem,
    assert_unauthenticated,
    open_session,
    sign_in,
)
from features.authentication_steps.signing_in import can_read
from features.authentication_steps.world import INVALID_CREDENTIALS, INVALID_TOKEN, WHO

# --- When ----------------------------------------------------------------------------------


@when(parsers.re(WHO + r" removes " + WHO.replace("who", "whom") + r" from (?P<label>\w+)"))
def removes_member(world, who, whom, label):
    if who not in world.signins:
        open_session(world, who)
    slug, token = world.tenant(label).slug, access_token(world, who)
    members = world.call("GET", f"/api/v1/orgs/{slug}/members", token=token).get_json()
    member_id = next(m["id"] for m in members if m["email"] == world.person(whom).email)
    response = world.call("DELETE", f"/api/v1/orgs/{slug}/members/{member_id}", token=token)
    assert response.status_code == 204, response.get_json()


@when(parsers.parse('someone signs up the organization "{name}" as "{email}" with the password "{password}"'))
def signs_up(world, name, email, password):
    world.call("POST", "/api/v1/signup", json={
        "org_name": name, "slug": world.unique_slug(name.lower()), "email": email,
        "password": password, "full_name": email.split("@")[0].capitalize()})


# --- Then ----------------------------------------------------------------------------------


@then(parsers.re(WHO + r" can no longer refresh the session"))
def can_no_longer_refresh(world, who):
    response = world.call("POST", "/api/v1/auth/refresh",
                          json={"refresh_token": world.signins[who].latest["refresh_token"]})
    assert_unauthenticated(response, INVALID_TOKEN)


@then(parsers.re(WHO + r" can no longer sign in to (?P<label>\w+)"))
def can_no_longer_sign_in(world, who, label):
    assert_unauthenticated(sign_in(world, who, org=label), INVALID_CREDENTIALS)
    # With no org left, the password only opens the way to starting a new one: no tokens.
    alone = sign_in(world, who)
    assert alone.status_code == 202 and alone.get_json()["challenge"] == "create_org"
    assert "access_token" not in alone.get_json()


@then(parsers.re(WHO + r" may read the organization (?P<label>\w+)"))
def may_read(world, who, label):
    can_read(world, who, label)


ACTIONS = {
    "add a member to": lambda w, slug, token: w.call(
        "POST", f"/api/v1/orgs/{slug}/members", token=token,
        json={"email": f"newcomer-{uuid.uuid4().hex[:6]}@{slug}.test", "role": "viewer"}),
    "read the audit log of": lambda w, slug, token: w.call("GET", f"/api/v1/orgs/{slug}/audit", token=token),
    "rename": lambda w, slug, token: w.call("PATCH", f"/api/v1/orgs/{slug}", token=token,
                                            json={"name": "Renamed"}),
}


@then(parsers.re(WHO + r" (?P<may>may|may not) (?P<action>add a member to|read the audit log of|rename) "
                 r"(?P<label>\w+)"))
def may_or_may_not(world, who, may, action, label):
    response = ACTIONS[action](world, world.tenant(label).slug, access_token(world, who))
    if may == "may":
        assert response.status_code in (200, 201, 202), response.get_json()
    else:
        assert assert_problem(response, 403)["code"] == "forbidden"


@then(parsers.parse('the sign-up is refused as invalid, saying the password "{problem}"'))
def sign_up_refused(world, problem):
    body = assert_problem(world.last, 422)
    assert problem in body["errors"]["password"]
    assert "access_token" not in body
