"""Tokens: using, refreshing and ending a session, and refusing every token that is not right."""

from __future__ import annotations

from datetime import timedelta

from pytest_bdd import parsers, then, when

from adapters.system import FrozenClock
from features.authentication_steps.client import access_token, assert_unauthenticated, comparable, read_org
from features.authentication_steps.forged_tokens import CREDENTIALS, unverified_claims
from features.authentication_steps.world import ACCESS_TTL, ENDED, INVALID_TOKEN, WHO

# --- When ----------------------------------------------------------------------------------


@when(parsers.re(WHO + r" reads the organization (?P<label>\w+)"))
def reads_org(world, who, label):
    read_org(world, label, access_token(world, who))


@when(parsers.re(WHO + r" lists the members of (?P<label>\w+)"))
def lists_members(world, who, label):
    world.call("GET", f"/api/v1/orgs/{world.tenant(label).slug}/members", token=access_token(world, who))


@when(parsers.re(WHO + r" reads the organization (?P<label>\w+) with (?P<credential>.+)"))
def reads_org_with(world, who, label, credential):
    headers = CREDENTIALS[credential](world, world.signins[who])
    world.call("GET", f"/api/v1/orgs/{world.tenant(label).slug}", headers=headers)


@when(parsers.parse("{minutes:d} minutes pass"))
def minutes_pass(world, minutes):
    clock = world.container.adapters.clock()
    assert isinstance(clock, FrozenClock), "time can only be moved on the in-memory adapters"
    clock.advance(timedelta(minutes=minutes))


@when(parsers.re(WHO + r" refreshes the session"))
def refresh(world, who):
    signin = world.signins[who]
    response = world.call("POST", "/api/v1/auth/refresh",
                          json={"refresh_token": signin.latest["refresh_token"]})
    if response.status_code == 200:
        signin.pairs.append(response.get_json())


@when(parsers.re(r"the first refresh token of " + WHO + r" is presented again"))
def first_refresh_token_again(world, who):
    world.call("POST", "/api/v1/auth/refresh",
               json={"refresh_token": world.signins[who].pairs[0]["refresh_token"]})


@when(parsers.re(WHO + r" signs out on the (?P<device>laptop|phone)"))
def signs_out(world, who, device):
    world.call("POST", "/api/v1/auth/logout", token=access_token(world, device))


# --- Then ----------------------------------------------------------------------------------


@then(parsers.parse('the request is refused as unauthenticated, saying only "{detail}"'))
def refused_unauthenticated(world, detail):
    assert_unauthenticated(world.last, detail)
    assert set(world.last.get_json()) <= {"type", "title", "status", "detail", "code"}


@then("the answer is the same as for a request with no token at all")
def same_as_no_token(world):
    refused = world.last
    slug = refused.request.path.rsplit("/", 1)[-1]
    baseline = world.call("GET", f"/api/v1/orgs/{slug}")
    assert comparable(refused) == comparable(baseline)


@then(parsers.re(WHO + r" can no longer read the organization (?P<label>\w+)"))
def can_no_longer_read(world, who, label):
    assert_unauthenticated(read_org(world, label, access_token(world, who)), ENDED)


@then(parsers.re(WHO + r" gets a new access token and a new refresh token"))
def got_new_tokens(world, who):
    assert world.last.status_code == 200, world.last.get_json()
    first, second = world.signins[who].pairs
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["expires_in"] == ACCESS_TTL
    assert unverified_claims(second["access_token"])["sid"] == unverified_claims(first["access_token"])["sid"]


@then("it is refused as unauthenticated")
def it_is_refused(world):
    assert_unauthenticated(world.last, INVALID_TOKEN)


@then(parsers.re(r"the newest refresh token of " + WHO + r" is refused too"))
def newest_refresh_refused(world, who):
    response = world.call("POST", "/api/v1/auth/refresh",
                          json={"refresh_token": world.signins[who].latest["refresh_token"]})
    assert_unauthenticated(response, INVALID_TOKEN)


@then("the sign-out answers 204 with no body")
def signed_out(world):
    assert world.last.status_code == 204
    assert world.last.get_data() == b""


@then(parsers.re(r"the (?P<device>laptop|phone)'s access token is refused"))
def device_access_refused(world, device):
    signin = world.signins[device]
    slug, token = signin.latest["org"]["slug"], access_token(world, device)
    assert_unauthenticated(world.call("GET", f"/api/v1/orgs/{slug}", token=token), ENDED)
    assert_unauthenticated(world.call("POST", "/api/v1/auth/logout", token=token), ENDED)


@then(parsers.re(r"the (?P<device>laptop|phone)'s refresh token is refused"))
def device_refresh_refused(world, device):
    response = world.call("POST", "/api/v1/auth/refresh",
                          json={"refresh_token": world.signins[device].latest["refresh_token"]})
    assert_unauthenticated(response, INVALID_TOKEN)


@then(parsers.re(r"the (?P<device>laptop|phone) still reads the organization (?P<label>\w+)"))
def device_still_reads(world, device, label):
    response = read_org(world, label, access_token(world, device))
    assert response.status_code == 200, response.get_json()
