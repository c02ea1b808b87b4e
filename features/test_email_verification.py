"""Steps for email_verification.feature: the HTTP API on PostgreSQL."""

from __future__ import annotations

import pytest
from attrs import define
from pytest_bdd import given, parsers, scenarios, then, when

from entrypoints.http.app import create_app
from features.api_world import ApiWorld
from tests.fixtures.app import PASSWORD
from tests.fixtures.mail import mailed_token, token_in

scenarios("email_verification.feature")


@define
class World(ApiWorld):

    def links(self, who: str) -> list[str]:
        return [token_in(m.text) for m in self.container.adapters.mailer().sent
                if m.to == self.email(who) and "verify-email#token=" in m.text]

    def verify(self, link: str):
        self.response = self.client.post("/api/v1/auth/verify-email", json={"token": link})
        return self.response


@pytest.fixture
def world(pg_container, unique_slug):
    return World(client=create_app(pg_container).test_client(), container=pg_container,
                 org=unique_slug("dee-co"))


@given("Dee has signed up for the organization dee-co")
def signed_up(world):
    answer = world.client.post("/api/v1/signup", json={
        "org_name": "Dee Co", "slug": world.org, "email": world.email("Dee"),
        "full_name": "Dee", "password": PASSWORD})
    assert answer.status_code == 202, answer.json
    world.sign_in("Dee")


@then(parsers.re(r"Dee's profile says her address is (?P<state>not confirmed yet|confirmed)"))
def profile(world, state):
    assert world.call("Dee", "get", "/me").json["email_verified"] is (state == "confirmed")


@then("Dee has got a mail with a link to confirm it")
def mailed(world):
    assert len(world.links("Dee")) == 1


@when("Dee uses that link")
def use_link(world):
    assert world.verify(world.links("Dee")[-1]).status_code == 204


@then("dee-co's audit log says that Dee confirmed her address")
def audited(world):
    entries = world.call("Dee", "get", f"/orgs/{world.org}/audit").json["entries"]
    assert [e["actor_label"] for e in entries if e["action"] == "user.email_verified"] == [
        world.email("Dee")]


@then("using the link again is refused as an invalid link")
def again(world):
    assert world.verify(world.links("Dee")[-1]).status_code == 401


@when(parsers.re(r"Dee asks for the confirmation mail again(?: (?P<count>\d+) times)?"))
def resend(world, count):
    world.answers = [world.call("Dee", "post", "/me/email/verification")
                     for _ in range(int(count or 1))]


@then("the first link is refused as an invalid link")
def first_dead(world):
    assert world.answers[0].status_code == 202
    assert world.verify(world.links("Dee")[0]).status_code == 401


@then("the newest link confirms her address")
def newest(world):
    assert world.verify(world.links("Dee")[-1]).status_code == 204
    profile(world, "confirmed")


@then("asking again now that it is confirmed is refused as a conflict")
def conflict(world):
    answer = world.call("Dee", "post", "/me/email/verification")
    assert answer.status_code == 409 and answer.json["code"] == "already_verified"


@then("the 4th is refused as too many, with a time to wait")
def fourth(world):
    assert [a.status_code for a in world.answers] == [202, 202, 202, 429]
    assert int(world.answers[3].headers["Retry-After"]) > 0


@when(parsers.parse('Dee invites "{email}", who accepts'))
def invite_accept(world, email):
    assert world.call("Dee", "post", f"/orgs/{world.org}/invitations",
                      json={"email": email, "role": "member"}).status_code == 201
    accepted = world.client.post("/api/v1/invitations/accept", json={
        "token": mailed_token(world.container, email), "password": "eve's long passphrase"})
    assert accepted.status_code == 201
    login = world.client.post("/api/v1/auth/login", json={
        "email": email, "password": "eve's long passphrase", "org": world.org})
    world.tokens["Eve"] = login.json["access_token"]


@then("Eve's address is confirmed")
def eve_confirmed(world):
    assert world.call("Eve", "get", "/me").json["email_verified"] is True
