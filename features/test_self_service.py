"""Steps for self_service.feature: the HTTP API on PostgreSQL, as a signed-in person uses it."""

from __future__ import annotations

import jwt
import pytest
from attrs import define
from pytest_bdd import given, parsers, scenarios, then, when

from adapters.security.attempt_throttle import LimitsAttemptThrottle
from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from features.api_world import ApiWorld
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.concurrency import all_at_once
from tests.fixtures.mail import token_in

scenarios("self_service.feature")
NEW_PASSWORD = "a brand new and private passphrase"


@define
class World(ApiWorld):
    def slug(self, name: str) -> str:
        """The scenario's slugs, made unique in the session's shared database."""
        return self.org if name == "acme" else f"{self.org}-{name}"


@pytest.fixture
def world(pg_container, unique_slug):
    return World(client=create_app(pg_container).test_client(), container=pg_container,
                 org=unique_slug("acme"))


@given("Ada owns acme, where Bob is an admin, and both are signed in")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    world.container.application.members().add(AddMember(
        slug=world.org, email=world.email("Bob"), role="admin", actor=operator))
    for who in ("Ada", "Bob"):
        _set_password(world.container, world.email(who))
        world.sign_in(who)


@given(parsers.parse("a person may start {count:d} organizations an hour"))
def capped(world, count):
    world.container.adapters.signup_throttle.override(LimitsAttemptThrottle(
        "memory://", per_account=f"{count}/hour", per_account_all=f"{count}/hour",
        per_ip="1000/hour", namespace=f"gw-feature-{world.org}"))


@given(parsers.re(r"(?P<who>Ada|Bob) has made an API key in acme"))
def api_key(world, who):
    made = world.call(who, "post", f"/orgs/{world.org}/api-keys",
                      json={"name": "robot", "scopes": ["org:read"]})
    assert made.status_code == 201, made.json
    world.tokens["the API key" if who == "Ada" else f"{who}'s key"] = made.json["secret"]


@when(parsers.parse('Ada creates the organization "{name}" with slug "{slug}"'))
def create(world, name, slug):
    world.call("Ada", "post", "/orgs", json={"name": name, "slug": world.slug(slug)})


@when(parsers.parse("Ada creates {count:d} organizations"))
def create_many(world, count):
    world.answers = [world.call("Ada", "post", "/orgs", json={
        "name": f"Org {n}", "slug": world.slug(f"many-{n}")}) for n in range(count)]


@then(parsers.re(r"Ada's organizations are (?P<listed>.+)"))
def my_orgs(world, listed):
    expected = [tuple(item.split(" as ")) for item in listed.split(" and ")]
    mine = world.call("Ada", "get", "/me/orgs").json
    assert [(m["slug"], m["role"]) for m in mine] == [
        (world.slug(slug), role) for slug, role in expected]


@then("Ada can switch her sign-in to acme-labs")
def switch(world):
    moved = world.call("Ada", "post", "/auth/switch-org", json={"org": world.slug("acme-labs")})
    assert moved.status_code == 200 and moved.json["org"]["slug"] == world.slug("acme-labs")
    world.tokens["Ada"] = moved.json["access_token"]


@then(parsers.re(r"(?P<org>acme-labs|acme)'s audit log says that (?P<who>Ada|Bob) "
                 r"(?P<what>created it|left)"))
def audited(world, org, who, what):
    entries = world.call("Ada", "get", f"/orgs/{world.slug(org)}/audit").json["entries"]
    action = "org.created" if what == "created it" else "member.left"
    [entry] = [e for e in entries if e["action"] == action]
    assert entry["actor_label"] == world.email(who)


@then(parsers.parse("the answer is a {status:d} problem"))
def problem(world, status):
    assert world.response.status_code == status, world.response.json
    assert world.response.mimetype == "application/problem+json"


@then("the answer is a 409 problem saying an organization must keep an owner")
def last_owner(world):
    problem(world, 409)
    assert world.response.json["code"] == "last_owner"


@then("the third is refused as too many, with a time to wait")
def third_refused(world):
    assert [a.status_code for a in world.answers] == [201, 201, 429]
    assert int(world.answers[2].headers["Retry-After"]) > 0


@when(parsers.re(r"(?P<who>Ada|Bob) leaves acme"))
def leaves(world, who):
    world.call(who, "delete", f"/orgs/{world.org}/members/me")


@then("Bob's sign-in to acme no longer works")
def bob_signed_out(world):
    assert world.response.status_code == 204
    assert world.call("Bob", "get", "/me").status_code == 401


@then("Bob's API key no longer works")
def bob_key_dead(world):
    assert world.call("Bob's key", "get", f"/orgs/{world.org}").status_code == 401


@then("Bob is not a member of acme")
def bob_gone(world):
    members = world.call("Ada", "get", f"/orgs/{world.org}/members").json
    assert world.email("Bob") not in {m["email"] for m in members}


@then("Ada is still the owner of acme")
def ada_owner(world):
    members = world.call("Ada", "get", f"/orgs/{world.org}/members").json
    assert [(m["email"], m["role"]) for m in members if m["role"] == "owner"] == [
        (world.email("Ada"), "owner")]


@when('the API key asks for "my organizations", to create an organization and to leave acme')
def key_as_person(world):
    world.answers = [world.call("the API key", "get", "/me/orgs"),
                     world.call("the API key", "post", "/orgs",
                                json={"name": "Keyed", "slug": world.slug("keyed")}),
                     world.call("the API key", "delete", f"/orgs/{world.org}/members/me")]


def _sign_in(world, who: str, password: str = PASSWORD, org: str | None = None):
    return world.client.post("/api/v1/auth/login", json={
        "email": world.email(who), "password": password} | ({"org": org} if org else {}))


def _session_id(token: str) -> str:
    """The session an access token belongs to, as any client may read it (unverified)."""
    return jwt.decode(token, options={"verify_signature": False})["sid"]


@given("Ada is also signed in on her phone")
def phone(world):
    world.tokens["Ada's phone"] = _sign_in(world, "Ada").json["access_token"]


@given("Ada has started acme-labs and signed in there too")
def labs(world):
    assert world.call("Ada", "post", "/orgs", json={
        "name": "Labs", "slug": world.slug("acme-labs")}).status_code == 201
    assert _sign_in(world, "Ada", org=world.slug("acme-labs")).status_code == 200


@when("Ada changes her password, giving the current one")
def change(world):
    world.call("Ada", "post", "/me/password", json={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD})


@then(parsers.re(r"the answer says (?P<count>\d+) other sessions? ended"))
def ended(world, count):
    assert world.response.status_code == 200, world.response.json
    assert world.response.json == {"sessions_ended": int(count)}


@then("Ada's phone is signed out, and this sign-in still works")
def phone_out(world):
    assert world.call("Ada's phone", "get", "/me").status_code == 401
    assert world.call("Ada", "get", "/me").status_code == 200


@then("Ada signs in with the new password, not with the old one")
def new_password_works(world):
    assert _sign_in(world, "Ada", NEW_PASSWORD).status_code == 200
    assert _sign_in(world, "Ada", PASSWORD).status_code == 401


@when(parsers.parse("Ada tries to change her password {count:d} times with a wrong current one"))
def wrong_current(world, count):
    world.answers = [world.call("Ada", "post", "/me/password", json={
        "current_password": f"not it at all {n}", "new_password": NEW_PASSWORD})
        for n in range(count)]


@then("the first 10 are refused as the wrong current password")
def wrong_refused(world):
    assert {(a.status_code, a.json["code"]) for a in world.answers[:10]} == {
        (422, "wrong_password")}


@then("the 11th is refused as too many, with a time to wait")
def eleventh(world):
    assert world.answers[10].status_code == 429 and int(world.answers[10].headers["Retry-After"]) > 0


@then("Ada's password is unchanged: she signs in with it from another address")
def same_password(world):
    """From here, her sign-ins are capped too: the guesses counted with sign-in attempts."""
    elsewhere = world.client.post("/api/v1/auth/login", environ_base={
        "REMOTE_ADDR": "198.51.100.7"}, json={"email": world.email("Ada"), "password": PASSWORD})
    assert elsewhere.status_code == 200
    assert _sign_in(world, "Ada").status_code == 429


@when("Ada lists her sessions")
def list_sessions(world):
    world.call("Ada", "get", "/me/sessions")


@then("she sees 2 sessions in acme, this one marked as current")
def two_sessions(world):
    listed = world.response.json
    assert [(s["org_slug"], s["current"]) for s in listed] == [(world.org, False),
                                                                (world.org, True)]
    assert listed[1]["id"] == _session_id(world.tokens["Ada"])


@when("Ada ends the session on her phone")
def end_phone(world):
    phone_session = _session_id(world.tokens["Ada's phone"])
    assert world.call("Ada", "delete", f"/me/sessions/{phone_session}").status_code == 204


@then("acme's audit log says that Ada ended a session")
def session_end_audited(world):
    entries = world.call("Ada", "get", f"/orgs/{world.org}/audit").json["entries"]
    [entry] = [e for e in entries if e["action"] == "auth.session_ended"]
    assert entry["resource_id"] == _session_id(world.tokens["Ada's phone"])


@when("Ada ends every other session")
def end_others(world):
    world.call("Ada", "post", "/me/sessions/end-others")


@when("Ada tries to end Bob's session")
def end_bobs(world):
    world.call("Ada", "delete", f"/me/sessions/{_session_id(world.tokens['Bob'])}")


@then("Bob is still signed in")
def bob_in(world):
    assert world.call("Bob", "get", "/me").status_code == 200


def _forgot(world, email: str):
    return world.client.post("/api/v1/auth/forgot-password", json={"email": email})


def _links(world, who: str) -> list[str]:
    return [token_in(m.text) for m in world.container.adapters.mailer().sent
            if m.to == world.email(who) and "reset-password#token=" in m.text]


@when("someone asks for a password link for Ada's address and for an address nobody uses")
def forgot_both(world):
    world.answers = [_forgot(world, world.email("Ada")), _forgot(world, world.email("Nobody"))]


@then("both answers are the same 202, word for word")
def same_answers(world):
    known, unknown = world.answers
    assert known.status_code == unknown.status_code == 202
    assert known.get_data() == unknown.get_data()
    assert {k: v for k, v in known.headers if k != "X-Request-ID"} == {
        k: v for k, v in unknown.headers if k != "X-Request-ID"}


@then("only Ada gets a mail, with a link to set her password on the web app")
def ada_mailed(world):
    mails = [m for m in world.container.adapters.mailer().sent  # this scenario's addresses
             if "reset-password#token=" in m.text and m.to.endswith(f"@{world.org}.test")]
    assert [m.to for m in mails] == [world.email("Ada")]
    assert "/reset-password#token=" in mails[0].html


@when("Ada sets a new password with that link")
def use_link(world):
    [link] = _links(world, "Ada")
    world.response = world.client.post("/api/v1/auth/password",
                                       json={"token": link, "password": NEW_PASSWORD})
    assert world.response.status_code == 204, world.response.json


@then("Ada's sign-ins so far are all signed out")
def all_out(world):
    assert world.call("Ada", "get", "/me").status_code == 401


@when("Ada asks for a password link twice")
def twice(world):
    for _ in range(2):
        assert _forgot(world, world.email("Ada")).status_code == 202


@then("the first link no longer works")
def first_dead(world):
    first = _links(world, "Ada")[0]
    assert world.client.post("/api/v1/auth/password", json={
        "token": first, "password": NEW_PASSWORD}).status_code == 401


@then("the second one does")
def second_works(world):
    second = _links(world, "Ada")[1]
    assert world.client.post("/api/v1/auth/password", json={
        "token": second, "password": NEW_PASSWORD}).status_code == 204


@when(parsers.parse("someone asks for a password link for Ada's address {count:d} times"))
def forgot_many(world, count):
    world.answers = [_forgot(world, world.email("Ada")) for _ in range(count)]


@then("the 4th is refused as too many, with a time to wait")
def fourth(world):
    assert [a.status_code for a in world.answers] == [202, 202, 202, 429]
    assert int(world.answers[3].headers["Retry-After"]) > 0


@then("Ada got 3 mails")
def three_mails(world):
    assert len(_links(world, "Ada")) == 3


@given("Ada has asked for a password link")
def asked(world):
    assert _forgot(world, world.email("Ada")).status_code == 202


@when("ten requests use that link at once, each with its own new password")
def race_link(world):
    [link] = _links(world, "Ada")
    world.answers = all_at_once([lambda n=n: world.client.post("/api/v1/auth/password", json={
        "token": link, "password": f"{NEW_PASSWORD} number {n}"}) for n in range(10)])


@then("exactly one of them is taken")
def one_taken(world):
    assert sorted(a.status_code for a in world.answers) == [204] + [401] * 9


@then("the others are refused as an invalid link")
def others_invalid(world):
    assert {a.json["detail"] for a in world.answers if a.status_code == 401} == {
        "invalid or expired link"}


@when(parsers.parse('Ada changes her name to "{name}"'))
def rename(world, name):
    world.call("Ada", "patch", "/me", json={"full_name": name})
    assert world.response.status_code == 200, world.response.json


@when("Ada changes her name to a name with a NUL byte in it")
def rename_nul(world):
    world.answers = [world.call("Ada", "get", "/me").json["full_name"]]
    world.call("Ada", "patch", "/me", json={"full_name": "Ada\x00Byron"})


@then(parsers.parse('her profile says "{name}"'))
def profile_name(world, name):
    assert world.call("Ada", "get", "/me").json["full_name"] == name


@then("her profile still has her old name")
def old_name(world):
    assert world.call("Ada", "get", "/me").json["full_name"] == world.answers[0]


@then("acme's member list shows her new name")
def member_list_name(world):
    members = world.call("Ada", "get", f"/orgs/{world.org}/members").json
    [ada] = [m for m in members if m["email"] == world.email("Ada")]
    assert ada["full_name"] == "Ada King, Countess of Lovelace"


@then("acme's audit log says that Ada renamed herself")
def rename_audited(world):
    entries = world.call("Ada", "get", f"/orgs/{world.org}/audit").json["entries"]
    [entry] = [e for e in entries if e["action"] == "user.renamed"]
    assert entry["details"]["to"] == "Ada King, Countess of Lovelace"


@then("each is refused as forbidden, because a person's session is needed")
def key_refused(world):
    assert [(a.status_code, a.json["code"]) for a in world.answers] == [
        (403, "session_required")] * 3
