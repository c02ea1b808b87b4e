"""Steps for account_changes.feature: the HTTP API on PostgreSQL, as a signed-in person uses it
(mail is read from the in-memory mailer, as the person it went to would read it)."""

from __future__ import annotations

import re

import pytest
from attrs import define
from pytest_bdd import given, parsers, scenarios, then, when

from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from features.api_world import ApiWorld
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.mail import mailed_token

scenarios("account_changes.feature")
LISTS = {"acme's API keys": "/orgs/{org}/api-keys", "her sessions": "/me/sessions",
         "her organizations": "/me/orgs"}


@define
class World(ApiWorld):
    link: str = ""  # the token of the link the scenario is about
    challenge: str = ""  # the challenge token of Ada's last sign-in
    pages: int = 0  # how many pages the last list took

    @property
    def old_email(self) -> str:
        return self.email("Ada")

    @property
    def new_email(self) -> str:
        return f"ada.king@{self.org}.test"

    def slug(self, name: str) -> str:
        """The scenario's slugs, made unique in the session's shared database."""
        return self.org if name == "acme" else f"{self.org}-{name}"

    def mails_to(self, address: str) -> list:
        return [m for m in self.container.adapters.mailer().sent if m.to == address]

    def login(self, email: str, password: str = PASSWORD, org: str | None = None):
        self.response = self.client.post("/api/v1/auth/login", json={
            "email": email, "password": password} | ({"org": org} if org else {}))
        return self.response

    def walk(self, who: str, path: str) -> list:
        """Every item of a list, following its `Link` headers; `pages` counts the pages."""
        url, items, self.pages = f"/api/v1{path}", [], 0
        while url:
            page = self.client.get(url, headers={"Authorization": f"Bearer {self.tokens[who]}"})
            assert page.status_code == 200, page.json
            assert isinstance(page.json, list)
            items += page.json
            self.pages += 1
            link = page.headers.get("Link")
            if link is not None:
                assert link.endswith('rel="next"'), link
            url = re.match(r"<([^>]+)>", link).group(1) if link else None
        return items


@pytest.fixture
def world(pg_container, unique_slug):
    return World(client=create_app(pg_container).test_client(), container=pg_container,
                 org=unique_slug("acme"))


@given("Ada owns acme, has not confirmed her address yet, and is signed in")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    _set_password(world.container, world.email("Ada"))
    world.sign_in("Ada")
    assert world.call("Ada", "get", "/me").json["email_verified"] is False


# Changing my email ----------------------------------------------------------------------------

def _ask_to_move(world, password: str = PASSWORD):
    return world.call("Ada", "post", "/me/email",
                      json={"new_email": world.new_email, "password": password})


@when(parsers.re(r"Ada asks to move her account to a new address, giving "
                 r"(?P<password>her password|a wrong password)"))
def ask_to_move(world, password):
    _ask_to_move(world, PASSWORD if password == "her password" else "not my password at all")


@given("Ada has asked to move her account to a new address")
def asked_to_move(world):
    assert _ask_to_move(world).status_code == 202, world.response.json


@then("the answer is accepted, and her profile still shows her old address")
def accepted(world):
    assert world.response.status_code == 202, world.response.json
    old_address(world)


@then("Ada's profile still shows her old address")
def old_address(world):
    assert world.call("Ada", "get", "/me").json["email"] == world.old_email


@then("a link has been mailed to the new address")
def link_mailed(world):
    assert len(world.mails_to(world.new_email)) == 1


@then("nothing has been mailed to the new address")
def nothing_mailed(world):
    assert world.mails_to(world.new_email) == []


@when("that link is used")
def use_change_link(world):
    world.link = mailed_token(world.container, world.new_email)
    world.response = world.client.post("/api/v1/auth/confirm-email-change",
                                       json={"token": world.link})


@then("Ada's profile shows her new address, confirmed")
def new_address(world):
    assert world.response.status_code == 204, world.response.json
    me = world.call("Ada", "get", "/me").json
    assert (me["email"], me["email_verified"]) == (world.new_email, True)


@then("her old address got a notice that the address was changed")
def old_told(world):
    notice = world.mails_to(world.old_email)[-1]
    assert "changed" in notice.subject and world.new_email in notice.text


@then("Ada signs in with her new address, not with her old one")
def signs_in_new(world):
    assert world.login(world.new_email).status_code == 200, world.response.json
    assert world.login(world.old_email).status_code == 401


@then("using the link again is refused as an invalid link")
def link_again(world):
    world.response = world.client.post("/api/v1/auth/confirm-email-change",
                                       json={"token": world.link})
    invalid_link(world)


@then("it is refused: the password is not right")
def wrong_password(world):
    assert world.response.status_code == 422, world.response.json
    assert world.response.json["code"] == "wrong_password"


@given("meanwhile someone else gets an account with that address")
def taken_meanwhile(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Later", slug=world.slug("later"), owner_email=world.new_email, actor=operator))


@then("the answer is a 409 problem saying the address is taken")
def email_taken(world):
    problem(world, 409)
    assert world.response.json["code"] == "email_taken"


@given("Ada has asked for a link to confirm her address")
def asked_for_verification(world):
    assert world.call("Ada", "post", "/me/email/verification").status_code == 202
    world.link = mailed_token(world.container, world.old_email)


@when("that link is used to move her account")
def verification_as_change(world):
    world.response = world.client.post("/api/v1/auth/confirm-email-change",
                                       json={"token": world.link})


@then("it is refused as an invalid link")
def invalid_link(world):
    problem(world, 401)


@then("the link still confirms her address")
def still_confirms(world):
    assert world.client.post("/api/v1/auth/verify-email",
                             json={"token": world.link}).status_code == 204
    assert world.call("Ada", "get", "/me").json["email_verified"] is True


# An org requiring a confirmed email -----------------------------------------------------------

@given("Ada requires a confirmed address for sensitive actions in acme")
def require_verified(world):
    changed = world.call("Ada", "patch", f"/orgs/{world.org}",
                         json={"settings": {"require_verified_email": True}})
    assert changed.status_code == 200, changed.json
    assert changed.json["settings"]["require_verified_email"] is True


@given("Ada has made an API key in acme that may manage members")
def api_key(world):
    made = world.call("Ada", "post", f"/orgs/{world.org}/api-keys",
                      json={"name": "robot", "scopes": ["members:write"]})
    assert made.status_code == 201, made.json
    world.tokens["the API key"] = made.json["secret"]


def _invite(world, who: str):
    return world.call(who, "post", f"/orgs/{world.org}/invitations",
                      json={"email": world.email("Someone"), "role": "member"})


@when("Ada invites someone to acme and makes an API key")
def sensitive(world):
    world.answers = [_invite(world, "Ada"), world.call(
        "Ada", "post", f"/orgs/{world.org}/api-keys", json={"name": "k", "scopes": ["org:read"]})]


@when("the API key invites someone to acme")
def key_invites(world):
    world.answers = [_invite(world, "the API key")]


@then(parsers.re(r"(?:each is|it is) refused as forbidden, because her address is not "
                 r"confirmed"))
def unverified(world):
    assert [(a.status_code, a.json["code"]) for a in world.answers] == [
        (403, "email_unverified")] * len(world.answers)


@then("Ada can still read acme's member list")
def can_read(world):
    members = world.call("Ada", "get", f"/orgs/{world.org}/members")
    assert members.status_code == 200, members.json
    assert world.email("Ada") in {m["email"] for m in members.json}


@when("Ada confirms her address with a link she asks for")
def confirms(world):
    asked_for_verification(world)
    assert world.client.post("/api/v1/auth/verify-email",
                             json={"token": world.link}).status_code == 204


@then("both are done")
def both_done(world):
    assert [a.status_code for a in world.answers] == [201, 201], [a.json for a in world.answers]


# No organization left -------------------------------------------------------------------------

@given("Ada has deleted acme, her only organization")
def deleted(world):
    gone = world.call("Ada", "delete", f"/orgs/{world.org}")
    assert gone.status_code in (200, 204), gone.json


@given(parsers.parse('the slug "{name}" belongs to someone else\'s organization'))
def slug_taken(world, operator, name):
    world.container.application.organizations().create(CreateOrganization(
        name="Someone's", slug=world.slug(name), owner_email=world.email("Someone"),
        actor=operator))


@when("Ada signs in with her password")
def signs_in(world):
    if world.login(world.old_email).status_code == 202:
        world.challenge = world.response.json["challenge_token"]


@when("Ada signs in to acme with her password")
def signs_in_to_acme(world):
    world.login(world.old_email, org=world.org)


@then("she is asked to start an organization first, and gets no tokens")
def asked_for_org(world):
    assert world.response.status_code == 202, world.response.json
    assert world.response.json["challenge"] == "create_org"
    assert "access_token" not in world.response.json
    assert "refresh_token" not in world.response.json


@then("what she got does not work as a sign-in")
def challenge_is_no_token(world):
    world.tokens["Ada's challenge"] = world.challenge
    assert world.call("Ada's challenge", "get", "/me").status_code == 401


@when(parsers.parse('Ada starts the organization "{name}" with slug "{slug}" from that sign-in'))
def first_org(world, name, slug):
    world.response = world.client.post("/api/v1/auth/first-org", json={
        "challenge_token": world.challenge, "name": name, "slug": world.slug(slug)})


@then(parsers.parse("Ada is signed in to {slug}, as its owner"))
def owner_of(world, slug):
    assert world.response.status_code == 201, world.response.json
    assert world.response.json["org"]["slug"] == world.slug(slug)
    world.tokens["Ada"] = world.response.json["access_token"]
    me = world.call("Ada", "get", "/me").json
    assert (me["email"], me["org"]["slug"], me["org"]["role"]) == (
        world.old_email, world.slug(slug), "owner")


@then(parsers.parse("from then on her password signs her in to {slug}"))
def signs_in_to(world, slug):
    assert world.login(world.old_email).status_code == 200, world.response.json
    assert world.response.json["org"]["slug"] == world.slug(slug)


# Paged lists ----------------------------------------------------------------------------------

@given(parsers.parse('Ada has made the API keys "{first}", "{second}" and "{third}" in acme'))
def keys(world, first, second, third):
    for name in (first, second, third):
        made = world.call("Ada", "post", f"/orgs/{world.org}/api-keys",
                          json={"name": name, "scopes": ["org:read"]})
        assert made.status_code == 201, made.json


@given(parsers.parse("Ada is also signed in on {count:d} other devices"))
def other_devices(world, count):
    for _ in range(count):
        assert world.login(world.old_email).status_code == 200


@given(parsers.parse("Ada has started {count:d} more organizations"))
def more_orgs(world, count):
    for n in range(count):
        made = world.call("Ada", "post", "/orgs", json={"name": f"Z{n}", "slug": world.slug(f"z{n}")})
        assert made.status_code == 201, made.json


@when(parsers.parse("Ada lists {name} {limit:d} at a time"))
def list_paged(world, name, limit):
    world.answers = world.walk("Ada", f"{LISTS[name].format(org=world.org)}?limit={limit}")


@then(parsers.parse("she gets {names} over {pages:d} pages, and the last page says no more "
                    "follow"))
def got_keys(world, names, pages):
    assert [k["name"] for k in world.answers] == names.split(", ")
    assert world.pages == pages  # walking stopped on a page without a Link


@then(parsers.parse("she gets {count:d} different sessions over {pages:d} pages, newest first, "
                    "one marked as current"))
def got_sessions(world, count, pages):
    assert (len(world.answers), len({s["id"] for s in world.answers}), world.pages) == (
        count, count, pages)
    created = [s["created_at"] for s in world.answers]
    assert created == sorted(created, reverse=True)
    assert [s["current"] for s in world.answers].count(True) == 1


@then(parsers.parse("she gets her {count:d} organizations over {pages:d} pages, in order of slug"))
def got_orgs(world, count, pages):
    slugs = [o["slug"] for o in world.answers]
    assert slugs == sorted(slugs) and (len(slugs), world.pages) == (count, pages)
    assert set(slugs) == {world.org, world.slug("z0"), world.slug("z1")}


@when(parsers.parse("Ada asks for {name} from a made-up place in it"))
def made_up_cursor(world, name):
    world.call("Ada", "get", LISTS[name].format(org=world.org),
               query_string={"cursor": "nonsense"})


@then("the answer is a 400 problem saying the place in the list is not valid")
def invalid_cursor(world):
    problem(world, 400)
    assert world.response.json["code"] == "invalid_cursor"


# Shared ---------------------------------------------------------------------------------------

@then(parsers.parse("the answer is a {status:d} problem"))
def problem(world, status):
    assert world.response.status_code == status, world.response.json
    assert world.response.mimetype == "application/problem+json"
