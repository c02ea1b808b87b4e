"""Steps for invitations.feature: the HTTP API on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from attrs import define, field
from pytest_bdd import given, parsers, scenarios, then, when

from application.members import AddMember
from application.organizations import CreateOrganization
from features.api_world import ApiWorld, world_with_a_clock
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.concurrency import all_at_once
from tests.fixtures.mail import mailed_token

scenarios("invitations.feature")
NEW = "an invitee's long passphrase"


@define
class World(ApiWorld):
    outcomes: list = field(factory=list)
    links: dict[str, str] = field(factory=dict)

    def invitation_id(self, email: str) -> str:
        listed = self.call("Ada", "get", f"/orgs/{self.org}/invitations?limit=200").json
        return next(i["id"] for i in listed if i["email"] == email)

    def accept(self, email: str, token: str | None = None):
        return self.client.post("/api/v1/invitations/accept", json={
            "token": token or mailed_token(self.container, email), "password": NEW})


@pytest.fixture
def world(pg_urls, unique_slug):
    with world_with_a_clock(World, pg_urls, unique_slug("acme")) as world:
        yield world


@given("acme, whose owner Ada and admin Bob are signed in, where Cleo is a member")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.org, owner_email=world.email("Ada"), actor=operator))
    for who, role in (("Bob", "admin"), ("Cleo", "member")):
        world.container.application.members().add(AddMember(
            slug=world.org, email=world.email(who), role=role, actor=operator))
    for who in ("Ada", "Bob", "Cleo"):
        _set_password(world.container, world.email(who))
        world.sign_in(who)


def _invite(world, email: str, role: str = "member") -> None:
    sent = world.call("Ada", "post", f"/orgs/{world.org}/invitations",
                      json={"email": email, "role": role})
    assert sent.status_code == 201, sent.json


@given(parsers.parse('Ada has invited "{one}", "{two}" and "{three}"'))
def invited_three(world, one, two, three):
    for email in (one, two, three):
        _invite(world, email)


@given(parsers.re(r'Ada has invited "(?P<email>[^"]+)"(?P<how>.*)'))
def invited(world, email, how):
    _invite(world, email, "owner" if "owner" in how else "member")
    if "a minute ago" in how:
        world.container.adapters.clock().advance(timedelta(minutes=1, seconds=1))


@given("Ada has invited five people")
def five(world):
    for n in range(5):
        _invite(world, f"p{n}@x.test")


@when(parsers.parse("Ada lists acme's invitations {count:d} at a time"))
def list_page(world, count):
    world.call("Ada", "get", f"/orgs/{world.org}/invitations?limit={count}")


@then(parsers.parse('she gets "{one}" and "{two}", and a link to the next page'))
def first_page(world, one, two):
    assert [i["email"] for i in world.response.json] == [one, two]
    link = world.response.headers["Link"]
    world.links["next"] = link[link.index("<") + 1:link.index(">")]


@then(parsers.parse('the next page holds "{three}" and no link'))
def next_page(world, three):
    page = world.client.get(world.links["next"],
                            headers={"Authorization": f"Bearer {world.tokens['Ada']}"})
    assert [i["email"] for i in page.json] == [three] and "Link" not in page.headers


@when(parsers.re(r'(?P<who>Ada|Bob) (?:tries to )?takes? the invitation of "(?P<email>[^"]+)" '
                 r'back'))
def revoke(world, who, email):
    world.links[email] = mailed_token(world.container, email)
    world.call(who, "delete", f"/orgs/{world.org}/invitations/{world.invitation_id(email)}")


@then(parsers.parse('"{email}" cannot accept it'))
def cannot_accept(world, email):
    assert world.response.status_code == 204
    assert world.accept(email, world.links[email]).status_code == 401


@then(parsers.parse('acme\'s invitations no longer list "{email}"'))
def not_listed(world, email):
    listed = world.call("Ada", "get", f"/orgs/{world.org}/invitations").json
    assert email not in {i["email"] for i in listed}


@then(parsers.parse('acme\'s audit log says that Ada took back the invitation of "{email}"'))
def revoke_audited(world, email):
    entries = world.call("Ada", "get", f"/orgs/{world.org}/audit").json["entries"]
    [entry] = [e for e in entries if e["action"] == "invitation.revoked"]
    assert (entry["actor_label"], entry["details"]["email"]) == (world.email("Ada"), email)


@when(parsers.parse('Ada sends the invitation of "{email}" again'))
def resend(world, email):
    world.links["old"] = mailed_token(world.container, email)
    world.links["email"] = email
    world.call("Ada", "post",
               f"/orgs/{world.org}/invitations/{world.invitation_id(email)}/resend")
    assert world.response.status_code == 201, world.response.json


@then("the old link no longer works, and the new one does")
def new_link(world):
    email = world.links["email"]
    assert world.accept(email, world.links["old"]).status_code == 401
    assert world.accept(email).status_code == 201


@then("sending it again right away is refused as too soon")
def too_soon(world):
    # The mail job's write is stamped by the database's clock: the world's, moved a minute on
    # by the Given, goes back to it, so that "right away" is right away for both.
    clock = world.container.adapters.clock()
    clock.advance(datetime.now(UTC) - clock.now())
    _invite(world, "soon@x.test")
    again = world.call("Ada", "post",
                       f"/orgs/{world.org}/invitations/{world.invitation_id('soon@x.test')}/resend")
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0


@when("Cleo asks for acme's invitations")
def cleo_lists(world):
    world.call("Cleo", "get", f"/orgs/{world.org}/invitations")


@then("it is refused as forbidden")
def forbidden(world):
    assert world.response.status_code == 403, world.response.json


@when(parsers.parse('the owner of another organization tries to take the invitation of "{email}" '
                    'back'))
def stranger_revokes(world, operator, email):
    other = f"{world.org}-other"
    world.container.application.organizations().create(CreateOrganization(
        name="Other", slug=other, owner_email=f"eve@{other}.test", actor=operator))
    _set_password(world.container, f"eve@{other}.test")
    world.tokens["Eve"] = world.client.post("/api/v1/auth/login", json={
        "email": f"eve@{other}.test", "password": PASSWORD}).json["access_token"]
    target = world.invitation_id(email)
    for slug in (other, world.org):
        world.call("Eve", "delete", f"/orgs/{slug}/invitations/{target}")
        world.outcomes.append(world.response.status_code)


@then("it is not found")
def not_found(world):
    assert world.outcomes == [404, 404]


@when("for each of them Ada takes the invitation back while they accept it, at once")
def race(world):
    for n in range(5):
        email = f"p{n}@x.test"
        path = f"/orgs/{world.org}/invitations/{world.invitation_id(email)}"
        token = mailed_token(world.container, email)
        revoked, accepted = all_at_once([lambda p=path: world.call("Ada", "delete", p),
                                         lambda t=token, e=email: world.accept(e, t)])
        world.outcomes.append((revoked.status_code, accepted.status_code))


@then("each time exactly one of the two is done")
def one_of_two(world):
    assert set(world.outcomes) <= {(204, 401), (404, 201)}, world.outcomes


# Accepting signs in: a newcomer chooses a password, a person with an account proves theirs.

def _accept_as(world, who: str, headers: dict | None = None, **body):
    world.response = world.client.post("/api/v1/invitations/accept", headers=headers or {}, json={
        "token": mailed_token(world.container, world.email(who)), **body})
    return world.response


@given(parsers.re(r"Ada has invited (?P<who>Nia|Dan)(?:, who has no account yet)?"))
def invited_person(world, who):
    _invite(world, world.email(who))


@given("Dan has an account of his own, in another organization")
def dan_elsewhere(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Dan's", slug=f"{world.org}-home", owner_email=world.email("Dan"), actor=operator))
    _set_password(world.container, world.email("Dan"))


@given("Dan is signed in to his own organization")
def dan_signed_in(world):
    world.sign_in("Dan")


@when("Nia accepts the invitation, choosing her password")
def nia_accepts(world):
    _accept_as(world, "Nia", password=NEW)


@when(parsers.re(r"Dan accepts the (?:same )?invitation (?P<how>without giving a password|"
                 r"with a wrong password|with his own password)"))
def dan_accepts(world, how):
    password = {"without giving a password": {}, "with a wrong password": {"password": NEW},
                "with his own password": {"password": PASSWORD}}[how]
    _accept_as(world, "Dan", **password)


@when("Dan accepts the invitation while signed in, giving no password")
def dan_accepts_signed_in(world):
    _accept_as(world, "Dan", headers={"Authorization": f"Bearer {world.tokens['Dan']}"})


@when("Ada, signed in as herself, tries to accept the invitation sent to Dan")
def ada_accepts_for_dan(world):
    _accept_as(world, "Dan", headers={"Authorization": f"Bearer {world.tokens['Ada']}"})


@then(parsers.re(r"(?P<who>Nia|Dan) is signed in to acme, with no second factor asked"))
def signed_in_to_acme(world, who):
    assert world.response.status_code == 201, world.response.json
    accepted = world.response.json
    assert (accepted["email"], accepted["role"], accepted["challenge"]) == (
        world.email(who), "member", None)
    assert accepted["session"]["org"]["slug"] == world.org
    world.tokens[who] = accepted["session"]["access_token"]
    assert world.call(who, "get", "/me").json["email"] == world.email(who)
    assert world.call(who, "get", f"/orgs/{world.org}").status_code == 200


@then("it is refused: Dan must give his password")
def password_required(world):
    assert world.response.status_code == 422, world.response.json
    assert world.response.json["code"] == "password_required"


@then("it is refused as not signed in")
def not_signed_in(world):
    assert world.response.status_code == 401, world.response.json
    assert "session" not in world.response.json


@then("it is refused as forbidden: the invitation is for another address")
def another_address(world):
    assert world.response.status_code == 403, world.response.json
    assert world.response.json["code"] == "invitation_for_another_address"


@then(parsers.re(r"acme's members (?P<verdict>include|do not include) (?P<who>Nia|Dan)"))
def members_include(world, verdict, who):
    members = world.call("Ada", "get", f"/orgs/{world.org}/members?limit=200").json
    assert (world.email(who) in {m["email"] for m in members}) == (verdict == "include")
