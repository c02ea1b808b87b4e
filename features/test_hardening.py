"""Steps for hardening.feature: the HTTP API on PostgreSQL, attacked as an outsider would."""

from __future__ import annotations

import base64
import json

import pytest
from attrs import define, field
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import text

from adapters.postgres.attempt_counters import PostgresCounterStorage
from adapters.security.attempt_throttle import LimitsAttemptThrottle
from application.members import AddMember
from application.organizations import CreateOrganization
from application.passwords import IssuePasswordLink
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, postgres_container
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.concurrency import all_at_once
from tests.fixtures.mail import mailed_token

scenarios("hardening.feature")
STRANGER = {"REMOTE_ADDR": "203.0.113.66"}
FORGED_AGENT = "\x1b[2J\x1b[31mall is well\x07"


@define
class World:
    client: object
    container: object
    slug: str
    tokens: dict[str, str] = field(factory=dict)
    key: str | None = None
    response: object = None
    before: dict | None = None
    link: str | None = None
    passwords: list[str] = field(factory=list)
    outcomes: list = field(factory=list)
    audit_ids: frozenset = frozenset()
    apps: list = field(factory=list)
    since: object = None

    def email(self, who: str) -> str:
        return f"{who}@{self.slug}.test"

    def headers(self, who: str) -> dict[str, str]:
        token = self.key if who == "the API key" else self.tokens[who]
        return {"Authorization": f"Bearer {token}"}

    def call(self, who: str, method: str, path: str, **kwargs):
        self.response = getattr(self.client, method)(f"/api/v1/orgs/{self.slug}{path}",
                                                     headers=self.headers(who), **kwargs)
        return self.response

    def sign_in(self, who: str, password: str = PASSWORD, **environ):
        return self.client.post("/api/v1/auth/login", environ_base=environ,
                                json={"email": self.email(who), "password": password})


@pytest.fixture
def world(pg_container, unique_slug):
    return World(client=create_app(pg_container).test_client(), container=pg_container,
                 slug=unique_slug("hard"))


@given("the organization acme with an owner and an admin, each signed in")
def acme(world, operator):
    world.container.application.organizations().create(CreateOrganization(
        name="Acme", slug=world.slug, owner_email=world.email("owner"), actor=operator,
        plan="pro"))
    world.container.application.members().add(AddMember(
        slug=world.slug, email=world.email("admin"), role="admin", actor=operator))
    for who in ("owner", "admin"):
        _set_password(world.container, world.email(who))
        world.tokens[who] = world.sign_in(who).json["access_token"]


@given(parsers.re(r"the (?P<who>owner|admin) has made an API key that may write "
                  r"(?P<what>members|the organization)"))
def made_key(world, who, what):
    scope = "members:write" if what == "members" else "org:write"
    created = world.call(who, "post", "/api-keys", json={"name": "robot", "scopes": [scope]})
    assert created.status_code == 201, created.json
    world.key = created.json["secret"]


def _member_id(world, who: str) -> str:
    listed = world.call("owner", "get", "/members").json
    return next(m["id"] for m in listed if m["email"] == world.email(who))


@when(parsers.parse('the API key tries to add "{email}" to acme as an admin'))
def key_adds_admin(world, email):
    world.call("the API key", "post", "/members", json={"email": email, "role": "admin"})


@then("it is refused as forbidden")
def forbidden(world):
    assert world.response.status_code == 403, world.response.json


@then(parsers.parse('"{email}" is not a member of acme'))
def not_member(world, email):
    assert email not in {m["email"] for m in world.call("owner", "get", "/members").json}


@when(parsers.re(r"the owner makes the (admin a member|member an admin again)"))
def changes_role(world):
    now = world.call("owner", "get", f"/members/{_member_id(world, 'admin')}").json["role"]
    assert world.call("owner", "patch", f"/members/{_member_id(world, 'admin')}",
                      json={"role": "member" if now == "admin" else "admin"}).status_code == 200


@then("the API key's rename of acme is refused as unauthenticated")
def key_rename_refused(world):
    assert world.call("the API key", "patch", "", json={"name": "By key"}).status_code == 401


@when("the owner removes the admin from acme")
def removes(world):
    assert world.call("owner", "delete", f"/members/{_member_id(world, 'admin')}").status_code == 204


@given(parsers.parse('the admin has invited "{email}" to acme as an admin'))
def admin_invites(world, email):
    sent = world.call("admin", "post", "/invitations", json={"email": email, "role": "admin"})
    assert sent.status_code == 201, sent.json
    world.link = mailed_token(world.container, email)


@given(parsers.parse('the API key has invited "{email}" to acme as a member'))
def key_invites(world, email):
    sent = world.call("the API key", "post", "/invitations", json={"email": email, "role": "member"})
    assert sent.status_code == 201, sent.json
    world.link = mailed_token(world.container, email)


@given("acme has five more admins, each signed in")
def five_signed_in_admins(world, operator):
    five_admins(world, operator)
    for n in range(5):
        _set_password(world.container, world.email(f"x{n}"))
        world.tokens[f"x{n}"] = world.sign_in(f"x{n}").json["access_token"]


@when("each of them invites six admins while the owner makes them a member, at once")
def invite_while_demoted(world):
    world.outcomes = []
    for n in range(5):
        demote = f"/members/{_member_id(world, f'x{n}')}"
        answers = all_at_once(
            [lambda p=demote: world.call("owner", "patch", p, json={"role": "member"})]
            + [lambda e=f"r{n}-{k}@evil.test", who=f"x{n}": world.call(
                who, "post", "/invitations", json={"email": e, "role": "admin"})
               for k in range(6)])
        assert answers[0].status_code == 200
        world.outcomes += [f"r{n}-{k}@evil.test" for k, answer in enumerate(answers[1:])
                           if answer.status_code == 201]


@then("none of those invitations can be accepted")
def none_accepted(world):
    """An invitation the demotion ended before its mail went is never mailed: no link exists;
    one mailed first has a link that does not work."""
    mailed = {m.to for m in world.container.adapters.mailer().sent}
    for email in world.outcomes:
        if email in mailed:
            world.link = mailed_token(world.container, email)
            cannot_accept(world, email)


@when("each of them signs in three times while the owner removes them, at once")
def sign_in_while_removed(world):
    world.outcomes = []
    for n in range(5):
        remove = f"/members/{_member_id(world, f'x{n}')}"
        answers = all_at_once([lambda p=remove: world.call("owner", "delete", p)]
                              + [lambda who=f"x{n}": world.sign_in(who) for _ in range(3)])
        assert answers[0].status_code == 204
        world.outcomes += [answer.json for answer in answers[1:] if answer.status_code == 200]


@when("an operator adds each of them back to acme")
def add_five_back(world, operator):
    for n in range(5):
        world.container.application.members().add(AddMember(
            slug=world.slug, email=world.email(f"x{n}"), role="admin", actor=operator))


@then("none of the tokens those sign-ins got works")
def tokens_dead(world):
    for pair in world.outcomes:
        me = world.client.get("/api/v1/me",
                              headers={"Authorization": f"Bearer {pair['access_token']}"})
        refreshed = world.client.post("/api/v1/auth/refresh",
                                      json={"refresh_token": pair["refresh_token"]})
        assert (me.status_code, refreshed.status_code) == (401, 401)


@then(parsers.parse('"{email}" cannot accept the invitation'))
def cannot_accept(world, email):
    accepted = world.client.post("/api/v1/invitations/accept",
                                 json={"token": world.link, "password": "a brand new passphrase"})
    assert accepted.status_code == 401, accepted.json


@when("an operator adds the admin back to acme")
def adds_back(world, operator):
    world.container.application.members().add(AddMember(
        slug=world.slug, email=world.email("admin"), role="admin", actor=operator))


@then("the API key's next request is refused as unauthenticated")
def key_unauthenticated(world):
    assert world.call("the API key", "get", "").status_code == 401


@given("the owner has been sent a password link")
def password_link(world, operator):
    world.link = world.container.application.passwords().issue(
        IssuePasswordLink(email=world.email("owner"), actor=operator)).token


@when("ten requests use the link at once, each with another password")
def race_link(world):
    world.passwords = [f"racer number {n} passphrase" for n in range(10)]
    world.outcomes = all_at_once([
        lambda p=p: world.client.post("/api/v1/auth/password",
                                      json={"token": world.link, "password": p}).status_code
        for p in world.passwords])


@then("exactly one of them succeeds and the others are refused as unauthenticated")
def one_wins(world):
    assert sorted(world.outcomes) == [204] + [401] * 9, world.outcomes


@then("the owner signs in with the winning password only")
def winner_signs_in(world):
    winner = world.passwords[world.outcomes.index(204)]
    answers = {p: world.sign_in("owner", p).status_code for p in world.passwords}
    assert answers == {p: 200 if p == winner else 401 for p in world.passwords}


@when("a stranger fails to sign in naming acme, with a forged user agent")
def stranger_names_acme(world):
    world.audit_ids = frozenset(e["id"] for e in world.call("owner", "get", "/audit?limit=200")
                                .json["entries"])
    world.since = world.container.adapters.clock().now()
    answer = world.client.post("/api/v1/auth/login", headers={"User-Agent": FORGED_AGENT},
                               json={"email": "stranger@elsewhere.test", "password": "guess guess",
                                     "org": world.slug})
    assert answer.status_code == 401


@then("acme's audit log has no new entry but the owner's own reading of it")
def no_new_entry(world):
    entries = world.call("owner", "get", "/audit?limit=200").json["entries"]
    assert [e["action"] for e in entries if e["id"] not in world.audit_ids] == ["audit.read"]


@then("the platform's failure log holds the attempt without control characters")
def failure_logged(world):
    with world.container.adapters.unit_of_work() as uow:
        found = [f for f in uow.sign_in_failures.recent(limit=50) if f.created_at >= world.since
                 and f.reason == "unknown_account"]
    assert found and all("\x1b" not in (f.user_agent or "") for f in found)
    assert any("all is well" in (f.user_agent or "") for f in found)


@when(parsers.parse("a stranger fails to sign in as the owner {count:d} times from one address"))
def stranger_guesses(world, count):
    world.since = world.container.adapters.clock().now()
    world.outcomes = [world.sign_in("owner", "not the password", **STRANGER).status_code
                      for _ in range(count)]
    assert set(world.outcomes) <= {401, 429} and 401 in world.outcomes


@then("the stranger's next attempt is refused with 429")
def stranger_throttled(world):
    answer = world.sign_in("owner", PASSWORD, **STRANGER)
    assert answer.status_code == 429 and answer.headers["Retry-After"]


@then("the platform's failure log counts every refused attempt from the stranger's address")
def refused_attempts_logged(world):
    with world.container.adapters.unit_of_work() as uow:
        found = [f.reason for f in uow.sign_in_failures.recent(limit=100)
                 if f.created_at >= world.since and f.ip == STRANGER["REMOTE_ADDR"]]
    refused = world.outcomes.count(429) + 1  # and the one refused just before
    assert found.count("throttled") == refused
    assert found.count("wrong_password") == world.outcomes.count(401)


@when(parsers.re(r"the (?P<who>owner|admin) searches acme's audit log"))
def searches_audit(world, who):
    assert world.call(who, "get", "/audit?limit=50").status_code == 200


@then("the owner sees that the admin read the audit log")
def admin_read_seen(world):
    entries = world.response.json["entries"]
    reads = [e for e in entries if e["action"] == "audit.read"]
    assert [e["actor_label"] for e in reads] == [world.email("admin")]


@when("the admin asks for acme's audit log from a page cursor made by hand")
def hand_made_cursor(world):
    made = base64.urlsafe_b64encode(b"seq|0").decode().rstrip("=")
    world.call("admin", "get", "/audit", query_string={"cursor": made})


@when("the admin asks for acme's logins with the cursor of a search for everything")
def cursor_of_another_search(world):
    everything = world.call("owner", "get", "/audit?limit=1").json["next_cursor"]
    assert everything is not None
    world.call("admin", "get", "/audit",
               query_string={"cursor": everything, "action": "auth.login"})


@then("the owner sees no reading of the audit log by the admin")
def no_admin_read(world):
    reads = [e["actor_label"] for e in world.response.json["entries"] if e["action"] == "audit.read"]
    assert world.email("admin") not in reads and world.email("owner") in reads


@then("the owner still signs in from another address")
def owner_signs_in(world):
    assert world.sign_in("owner", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 200


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"x": value}
    return value


HOSTILE = {
    "a name with a NUL byte": {"json": {"name": "Acme\x00Corp"}},
    "a name with a terminal escape": {"json": {"name": "\x1b[2JAcme"}},
    "a name with a zero-width space": {"json": {"name": "Ac\u200bme"}},
    "settings nested 1,200 levels deep": {
        "data": '{"settings": {"deep": ' + "[" * 1200 + "]" * 1200 + "}}",
        "content_type": "application/json"},
    "settings nested 9 levels deep": {"json": {"settings": {"deep": _nested(9)}}},
    "a number of 5,000 digits": {"data": '{"settings": {"n": ' + "9" * 5000 + "}}",
                                 "content_type": "application/json"},
    "a body that is not JSON": {"data": "name=Evil", "content_type": "application/x-www-form-urlencoded"},
    "no body at all": {},
}


@when(parsers.parse("the owner sends {hostile}"))
def sends_hostile(world, hostile):
    world.before = world.call("owner", "get", "").json
    world.call("owner", "patch", "", **HOSTILE[hostile])


@then(parsers.parse("the answer is a {status:d} problem document"))
def problem_answer(world, status):
    assert world.response.status_code == status, world.response.get_data(as_text=True)[:300]
    assert world.response.mimetype == "application/problem+json"
    assert json.loads(world.response.get_data())["status"] == status


@then("acme is unchanged")
def unchanged(world):
    assert world.call("owner", "get", "").json == world.before


@given("acme's audit chain head has been signed into a digest")
def signed_digest(world):
    world.outcomes = world.container.application.audit_verifier().digest(world.slug)


@when("someone with access to the table deletes acme's newest audit entries")
def truncate(world, admin_engine):
    org_id = world.outcomes[0].digest.org_id
    with admin_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # a superuser's bypass
        conn.execute(text("DELETE FROM audit_entries WHERE org_id = :o AND seq > 1"), {"o": org_id})


@when("someone with access to the tables deletes acme and everything in it")
def delete_org_rows(world, admin_engine):
    org_id = world.outcomes[0].digest.org_id
    with admin_engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in ("api_key_prefixes", "api_keys", "sessions", "invitations", "audit_entries",
                      "members"):
            conn.execute(text(f"DELETE FROM {table} WHERE org_id = :o"), {"o": org_id})
        conn.execute(text("DELETE FROM org WHERE id = :o"), {"o": org_id})


@then("verifying every chain against the digest reports acme's missing")
def vanished_org_reported(world):
    reports = world.container.application.audit_verifier().verify(None, world.outcomes)
    [gone] = [r for r in reports if r.slug == world.slug]
    assert not gone.intact and gone.broken.reason.startswith("missing")
    [again] = world.container.application.audit_verifier().verify(world.slug, world.outcomes)
    assert again == gone


@then("verifying acme's chain by itself finds nothing wrong")
def plain_verify(world):
    [report] = world.container.application.audit_verifier().verify(world.slug)
    assert report.intact


@then("verifying it against the digest reports it truncated")
def anchored_verify(world):
    [report] = world.container.application.audit_verifier().verify(world.slug, world.outcomes)
    assert not report.intact and report.broken.reason.startswith("truncated")


@when("two people sign up for the same new slug at the same moment")
def racing_signups(world):
    slug = f"{world.slug}-race"
    world.outcomes = all_at_once([lambda n=n: world.client.post("/api/v1/signup", json={
        "org_name": "Race", "slug": slug, "email": f"racer{n}@{slug}.test", "full_name": "Racer",
        "password": PASSWORD}) for n in range(2)])


@then("one of them gets the organization")
def one_signup_wins(world):
    assert sorted(a.status_code for a in world.outcomes) == [202, 409]


@then("the other is told that the slug is taken")
def slug_taken(world):
    [lost] = [a for a in world.outcomes if a.status_code == 409]
    assert lost.mimetype == "application/problem+json" and lost.json["code"] == "slug_taken"


@given("acme has five more admins")
def five_admins(world, operator):
    for n in range(5):
        world.container.application.members().add(AddMember(
            slug=world.slug, email=world.email(f"x{n}"), role="admin", actor=operator))


@when("for each of them the owner makes them an owner while the admin removes them, at once")
def promote_while_removing(world):
    world.outcomes = []
    for n in range(5):
        path = f"/members/{_member_id(world, f'x{n}')}"
        promote, remove = all_at_once([
            lambda p=path: world.call("owner", "patch", p, json={"role": "owner"}),
            lambda p=path: world.call("admin", "delete", p)])
        world.outcomes.append((promote.status_code, remove.status_code))


@then("each time exactly one of the two is done")
def one_of_two(world):
    assert all((promoted == 200) != (removed == 204) for promoted, removed in world.outcomes)


@then("a removal that lost is refused as forbidden, a promotion that lost finds no such member")
def losers(world):
    assert set(world.outcomes) <= {(200, 403), (404, 204)}, world.outcomes


@given("two server processes on acme's database, each counting attempts in the database")
def two_processes(world, pg_urls, request):
    """Two containers, each with its own engine and throttle, stand in for two processes."""
    for _ in range(2):
        container = postgres_container(pg_urls)
        engine = container.adapters.engine()
        request.addfinalizer(engine.dispose)
        container.adapters.login_throttle.override(LimitsAttemptThrottle(
            PostgresCounterStorage(engine), namespace=f"gw-feature-{world.slug}",
            per_ip="100000/hour"))
        world.apps.append(create_app(container).test_client())


@when(parsers.parse("a stranger sends {count:d} wrong passwords for the owner, spread over both, "
                    "all at once"))
def spread_guesses(world, count):
    guess = {"email": world.email("owner"), "password": "not the password"}
    world.outcomes = all_at_once([
        lambda n=n: world.apps[n % 2].post("/api/v1/auth/login", json=guess,
                                           environ_base=STRANGER).status_code
        for n in range(count)])


@then(parsers.parse("{count:d} of them are checked and refused as unauthenticated"))
def checked(world, count):
    assert world.outcomes.count(401) == count, world.outcomes


@then(parsers.parse("the other {count:d} are refused as too many attempts"))
def too_many(world, count):
    assert world.outcomes.count(429) == count, world.outcomes
