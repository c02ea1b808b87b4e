"""Steps for two_factor.feature: the HTTP API on PostgreSQL, with a clock that moves when told
to (each new code of the app is the code of the next 30-second step)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from attrs import define, field
from pytest_bdd import given, parsers, scenarios, then, when

from application.members import AddMember
from application.organizations import CreateOrganization
from features.api_world import ApiWorld, world_with_a_clock
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password

scenarios("two_factor.feature")
STEP = timedelta(seconds=30)  # an authenticator app's code lasts one step


@define
class World(ApiWorld):
    secrets: dict[str, str] = field(factory=dict)  # who -> the secret their app holds
    recovery: dict[str, list[str]] = field(factory=dict)
    challenges: dict[str, str] = field(factory=dict)  # who -> the challenge of their sign-in
    used: dict[str, str] = field(factory=dict)  # who -> the last code they gave

    def login(self, who: str, password: str = PASSWORD):
        self.response = self.client.post("/api/v1/auth/login", json={
            "email": self.email(who), "password": password})
        if self.response.status_code == 202:
            self.challenges[who] = self.response.json["challenge_token"]
        return self.response

    def app_code(self, who: str) -> str:
        """What the app shows a moment later: a code of a step not used yet (a code is accepted
        only for a step newer than the last one accepted)."""
        clock = self.container.adapters.clock()
        clock.advance(STEP)
        return pyotp.TOTP(self.secrets[who]).at(clock.now())

    def wrong_code(self, who: str) -> str:
        """Six digits that are none of the codes the server would take now."""
        totp, now = pyotp.TOTP(self.secrets[who]), self.container.adapters.clock().now()
        taken = {totp.at(now, counter_offset=n) for n in (-1, 0, 1)}
        return next(c for c in ("000000", "111111", "222222", "333333") if c not in taken)

    def answer(self, who: str, code: str):
        self.used[who] = code
        self.response = self.client.post("/api/v1/auth/two-factor", json={
            "challenge_token": self.challenges[who], "code": code})
        return self.response

    def as_(self, who: str, method: str, path: str, **kwargs):
        """Like `call`, keeping `response` (the answer the scenario is looking at)."""
        return getattr(self.client, method)(
            f"/api/v1{path}", headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kwargs)


@pytest.fixture
def world(pg_urls, unique_slug):
    with world_with_a_clock(World, pg_urls, unique_slug("acme")) as world:
        yield world


@given("acme, whose owner Ada is signed in, where Bob is a member")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    world.container.application.members().add(AddMember(
        slug=world.org, email=world.email("Bob"), role="member", actor=operator))
    for who in ("Ada", "Bob"):
        _set_password(world.container, world.email(who))
    world.sign_in("Ada")


def _set_up(world, who: str) -> None:
    enrolment = world.call(who, "post", "/me/two-factor", json={"password": PASSWORD})
    assert enrolment.status_code == 201, enrolment.json
    assert enrolment.json["otpauth_uri"].startswith("otpauth://totp/")
    assert enrolment.json["qr_svg"].startswith("<svg")
    world.secrets[who] = enrolment.json["secret"]
    world.call(who, "post", "/me/two-factor/confirm", json={"code": world.app_code(who)})
    world.recovery[who] = world.response.json.get("recovery_codes", [])


@when("Ada sets up two-factor sign-in and confirms it with her app's first code")
def turn_on(world):
    _set_up(world, "Ada")


@given("Ada has turned two-factor sign-in on")
def turned_on(world):
    _set_up(world, "Ada")
    assert world.response.status_code == 200, world.response.json


@then("she gets 10 recovery codes, all different, shown this once")
def ten_codes(world):
    assert world.response.status_code == 200, world.response.json
    codes = world.response.json["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert "recovery_codes" not in world.as_("Ada", "get", "/me/two-factor").json


@then(parsers.parse("her two-factor sign-in is on, with {left:d} recovery codes left"))
def is_on(world, left):
    status = world.call("Ada", "get", "/me/two-factor").json
    assert (status["enabled"], status["recovery_codes_left"]) == (True, left)


@given("Ada has signed in with her password")
@when("Ada signs in with her password")
def password_only(world):
    world.login("Ada")


@then("she is asked for a code from her app, and gets no tokens")
def asked_for_code(world):
    assert world.response.status_code == 202, world.response.json
    assert world.response.json["challenge"] == "totp" and world.response.json["expires_in"] > 0
    assert "access_token" not in world.response.json
    assert "refresh_token" not in world.response.json


@then("what she got does not work as a sign-in")
def challenge_is_no_token(world):
    world.tokens["Ada's challenge"] = world.challenges["Ada"]
    assert world.call("Ada's challenge", "get", "/me").status_code == 401


@when("Ada answers with her app's code")
def answer_with_app(world):
    world.answer("Ada", world.app_code("Ada"))


@then(parsers.re(r"(?P<who>Ada|Bob) is signed in to acme"
                 r"(?:, with (?P<left>\d+) recovery codes left)?"))
def signed_in(world, who, left):
    assert world.response.status_code == 200, world.response.json
    assert world.response.json["org"]["slug"] == world.org
    world.tokens[who] = world.response.json["access_token"]
    assert world.as_(who, "get", "/me").json["email"] == world.email(who)
    if left is not None:
        status = world.as_(who, "get", "/me/two-factor").json
        assert status["recovery_codes_left"] == int(left)


@given("Ada has signed in with her password and her app's code")
def signed_in_with_code(world):
    world.login("Ada")
    assert world.answer("Ada", world.app_code("Ada")).status_code == 200, world.response.json


@when("Ada signs in with her password again and gives the same code")
def same_code(world):
    assert world.login("Ada").status_code == 202
    world.answer("Ada", world.used["Ada"])


@then("the code is refused, and she is not signed in")
def code_refused(world):
    assert world.response.status_code == 401, world.response.json
    assert world.response.mimetype == "application/problem+json"
    assert "access_token" not in world.response.json


@when("Ada signs in with her password and one of her recovery codes")
def with_recovery(world):
    assert world.login("Ada").status_code == 202
    world.answer("Ada", world.recovery["Ada"][0])


@when("Ada signs in with her password and that recovery code again")
def recovery_again(world):
    assert world.login("Ada").status_code == 202
    world.answer("Ada", world.recovery["Ada"][0])


@when(parsers.parse("Ada answers with {count:d} wrong codes"))
def wrong_codes(world, count):
    world.answers = [world.answer("Ada", world.wrong_code("Ada")) for _ in range(count)]


@then("each code is refused, and she is not signed in")
def each_refused(world):
    assert {a.status_code for a in world.answers} == {401}


@then("even her app's right code is now refused as too many, with a time to wait")
def capped(world):
    world.answer("Ada", world.app_code("Ada"))
    assert world.response.status_code == 429, world.response.json
    assert int(world.response.headers["Retry-After"]) > 0


@when(parsers.re(r"Ada turns two-factor sign-in off giving (?P<password>a wrong password|"
                 r"her password) and (?P<code>her app's code|a wrong code)"))
def turn_off(world, password, code):
    world.call("Ada", "post", "/me/two-factor/disable", json={
        "password": PASSWORD if password == "her password" else "not it at all",
        "code": world.app_code("Ada") if code == "her app's code" else "nopeno-nopeno"})


@then(parsers.re(r"it is refused: the (?P<what>password|code) is not right"))
def not_right(world, what):
    assert world.response.status_code == 422, world.response.json
    assert world.response.json["code"] == f"wrong_{what}"


@then("it is turned off")
def turned_off(world):
    assert world.response.status_code == 204, world.response.json
    assert world.call("Ada", "get", "/me/two-factor").json["enabled"] is False


@then("her password alone signs her in again")
def password_alone(world):
    assert world.login("Ada").status_code == 200
    assert "access_token" in world.response.json


@given("Ada requires two-factor sign-in for everyone in acme")
def required(world):
    _set_up(world, "Ada")  # she has it on herself: an owner must, to require it
    changed = world.call("Ada", "patch", f"/orgs/{world.org}",
                         json={"settings": {"require_two_factor": True}})
    assert changed.status_code == 200, changed.json


@when("Ada, who has not set it up herself, requires two-factor sign-in for everyone in acme")
def requires_without_it(world):
    world.call("Ada", "patch", f"/orgs/{world.org}",
               json={"settings": {"require_two_factor": True}})


@then("she is told to turn it on for herself first")
def told_to_turn_it_on(world):
    assert world.response.status_code == 409
    assert world.response.json["code"] == "two_factor_required"


@given("Bob has signed in to acme")
def bob_signed_in(world):
    world.sign_in("Bob")


@then("Bob's session has ended")
def bobs_session_ended(world):
    assert world.call("Bob", "get", "/me").status_code == 401


@when("Bob, who has not set it up, signs in with his password")
def bob_signs_in(world):
    world.login("Bob")


@then("he is asked to set up two-factor sign-in first, and gets no tokens")
def asked_to_enrol(world):
    assert world.response.status_code == 202, world.response.json
    assert world.response.json["challenge"] == "enrol_totp"
    assert "access_token" not in world.response.json


@then("a code does not help before it is set up")
def no_code_yet(world):
    world.answer("Bob", "123456")
    assert world.response.status_code == 409, world.response.json
    assert world.response.json["code"] == "two_factor_not_enrolled"


@when("Bob sets it up from that sign-in and answers with his app's first code")
def bob_enrols(world):
    enrolment = world.client.post("/api/v1/auth/two-factor/enrolment",
                                  json={"challenge_token": world.challenges["Bob"]})
    assert enrolment.status_code == 201, enrolment.json
    world.secrets["Bob"] = enrolment.json["secret"]
    world.answer("Bob", world.app_code("Bob"))


@then("he gets 10 recovery codes, shown this once")
def bob_codes(world):
    codes = world.response.json["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert world.as_("Bob", "get", "/me/two-factor").json["recovery_codes_left"] == 10


@then("from then on Bob's sign-in asks for a code from his app")
def bob_needs_code(world):
    assert world.login("Bob").status_code == 202
    assert world.response.json["challenge"] == "totp"


@given("Ada has made an API key in acme")
def api_key(world):
    made = world.call("Ada", "post", f"/orgs/{world.org}/api-keys",
                      json={"name": "robot", "scopes": ["org:read"]})
    assert made.status_code == 201, made.json
    world.tokens["the API key"] = made.json["secret"]


@when("the API key asks whether two-factor sign-in is on, and to set it up")
def key_asks(world):
    world.answers = [world.call("the API key", "get", "/me/two-factor"),
                     world.call("the API key", "post", "/me/two-factor",
                                json={"password": PASSWORD})]


@then("each is refused as forbidden, because a person's session is needed")
def key_refused(world):
    assert [(a.status_code, a.json["code"]) for a in world.answers] == [
        (403, "session_required")] * 2
