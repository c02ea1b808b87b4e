"""Steps for authentication.feature: everything goes through the HTTP API, as a client would.

Scenarios tagged @postgres run on the session's PostgreSQL (shared by the whole run, so slugs
and emails are unique); the others on a fresh in-memory container with a frozen clock. The
audit log and the "unchanged" checks read through the container, as a platform operator.
"""

from __future__ import annotations

import base64
import json
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt
import pytest
from attrs import define, field
from jwt.warnings import InsecureKeyLengthWarning
from pytest_bdd import given, parsers, scenarios, then, when

from adapters.system import FrozenClock
from application.members import AddMember
from application.organizations import CreateOrganization, GetOrganization
from entrypoints.http.app import create_app
from features.conftest import rows_to_dicts
from tests.fixtures.app import TEST_SECRET_KEY

scenarios("authentication.feature")

PASSWORD = "a long and private passphrase"
WRONG_PASSWORD = "not the passphrase at all"
ISSUER, AUDIENCE = "groundwork", "groundwork-api"
ACCESS_TTL = 15 * 60
PROBLEM_JSON = "application/problem+json"
INVALID_CREDENTIALS = "invalid credentials"
INVALID_TOKEN = "invalid or expired credentials"
# A genuine token of an ended session is refused exactly like a forged one.
ENDED = (INVALID_TOKEN,)

# Whoever acts in a step: "the owner of acme", or someone named with a capital, like "Ann".
WHO = r"(?P<who>the owner of \w+|[A-Z][a-z]+)"


@define
class Tenant:
    label: str
    slug: str
    id: uuid.UUID
    owner: str


@define
class Person:
    name: str
    email: str


@define
class Signin:
    """A session as the client holds it: every token pair it was given, oldest first."""

    who: str
    pairs: list[dict] = field(factory=list)

    @property
    def latest(self) -> dict:
        return self.pairs[-1]


@define
class World:
    container: object
    app: object
    client: object
    operator: object
    unique_slug: object
    tenants: dict[str, Tenant] = field(factory=dict)
    people: dict[str, Person] = field(factory=dict)
    signins: dict[str, Signin] = field(factory=dict)
    seen: list = field(factory=list)
    last: object = None
    attempts: list = field(factory=list)
    expected_attempts: int = 0
    probes: list = field(factory=list)
    before: dict = field(factory=dict)

    def call(self, method: str, path: str, *, token: str | None = None, headers: dict | None = None,
             **kwargs):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.seen.append(response)
        self.last = response
        return response

    def person(self, who: str) -> Person:
        return self.people[who]

    def tenant(self, label: str) -> Tenant:
        return self.tenants[label]


@pytest.fixture
def container(request):
    """PostgreSQL for the scenarios tagged @postgres, a fresh in-memory container otherwise."""
    if request.node.get_closest_marker("postgres"):
        return request.getfixturevalue("pg_container")
    return request.getfixturevalue("memory_app_container")


@pytest.fixture
def world(container, operator, unique_slug) -> World:
    app = create_app(container)
    return World(container=container, app=app, client=app.test_client(), operator=operator,
                 unique_slug=unique_slug)


# --- helpers -------------------------------------------------------------------------------


def _set_password(container, email: str, password: str = PASSWORD) -> None:
    hasher = container.adapters.password_hasher()
    with container.adapters.unit_of_work() as uow:
        user = uow.users.get_by_email(email)
        user.password_hash = hasher.hash(password)
        uow.users.update(user)
        uow.commit()


def _user_id(container, email: str) -> uuid.UUID:
    with container.adapters.unit_of_work() as uow:
        return uow.users.get_by_email(email).id


def _audit(world: World, label: str) -> list:
    tenant = world.tenant(label)
    with world.container.adapters.unit_of_work() as uow:
        uow.bind(tenant.id)
        return list(uow.audit.entries(tenant.id))


def _members(world: World, label: str) -> dict[str, str]:
    views = world.container.application.members().every(world.tenant(label).slug, world.operator)
    return {m.email: m.role for m in views}


def _add_tenant(world: World, label: str, members: int = 0) -> Tenant:
    slug = world.unique_slug(label)
    owner_email = f"owner@{slug}.test"
    view = world.container.application.organizations().create(CreateOrganization(
        name=label.capitalize(), slug=slug, owner_email=owner_email, actor=world.operator))
    _set_password(world.container, owner_email)
    owner = f"the owner of {label}"
    world.people[owner] = Person(name=owner, email=owner_email)
    for n in range(members):
        world.container.application.members().add(AddMember(
            slug=slug, email=f"member{n}@{slug}.test", role="member", actor=world.operator))
    world.tenants[label] = Tenant(label=label, slug=slug, id=view.id, owner=owner)
    return world.tenants[label]


def _sign_in(world: World, who: str, *, org: str | None = None, password: str = PASSWORD,
             email: str | None = None):
    body = {"email": email or world.person(who).email, "password": password}
    if org is not None:
        body["org"] = world.tenant(org).slug
    return world.call("POST", "/api/v1/auth/login", json=body)


def _open_session(world: World, who: str, *, org: str | None = None, key: str | None = None) -> Signin:
    response = _sign_in(world, who, org=org)
    assert response.status_code == 200, response.get_json()
    signin = Signin(who=who, pairs=[response.get_json()])
    world.signins[key or who] = signin
    return signin


def _access(world: World, key: str) -> str:
    return world.signins[key].latest["access_token"]


def _read_org(world: World, label: str, token: str):
    return world.call("GET", f"/api/v1/orgs/{world.tenant(label).slug}", token=token)


def _comparable(response) -> tuple:
    """What a client can tell apart: status, type, challenge and body; never the request id."""
    return (response.status_code, response.content_type, response.headers.get("WWW-Authenticate"),
            response.headers.get("Retry-After"), response.get_json())


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.content_type == PROBLEM_JSON
    body = response.get_json()
    assert body["status"] == status and body["title"]
    return body


def _assert_unauthenticated(response, detail: str | tuple[str, ...] = INVALID_TOKEN) -> None:
    body = _assert_problem(response, 401)
    assert body["detail"] in ((detail,) if isinstance(detail, str) else detail)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- forged and expired tokens -------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _resigned(token: str, key: str = TEST_SECRET_KEY, algorithm: str = "HS256", **changes) -> str:
    """The same claims, changed as told (None drops a claim), signed again."""
    claims = _claims(token) | changes
    claims = {name: value for name, value in claims.items() if value is not None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # HS512 wants a longer key: no matter
        return jwt.encode(claims, key, algorithm=algorithm)


def _now(world: World) -> int:
    return int(world.container.adapters.clock().now().timestamp())


def _altered_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{header}.{payload}.{flipped}{signature[1:]}"


def _other_org_slipped_in(token: str) -> str:
    header, _, signature = token.split(".")
    claims = _claims(token) | {"org": str(uuid.uuid4())}
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _alg_none(token: str) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(_claims(token)).encode())}."


CREDENTIALS = {
    "no Authorization header": lambda w, s: {},
    "an empty Bearer token": lambda w, s: {"Authorization": "Bearer "},
    "a Basic password instead of a token": lambda w, s: {"Authorization": "Basic " + base64.b64encode(
        f"{w.person(s.who).email}:{PASSWORD}".encode()).decode()},
    "a token that is not a JWT": lambda w, s: {"Authorization": "Bearer not-a-token-at-all"},
    "their refresh token instead": lambda w, s: {"Authorization": f"Bearer {s.latest['refresh_token']}"},
    "the token with its signature altered": lambda w, s: _bearer(_altered_signature(_token(s))),
    "the token with another org slipped in": lambda w, s: _bearer(_other_org_slipped_in(_token(s))),
    "the token signed with another key": lambda w, s: _bearer(
        _resigned(_token(s), key="another-signing-key-" + "y" * 32)),
    "the token signed with HS512 instead": lambda w, s: _bearer(_resigned(_token(s), algorithm="HS512")),
    'the token with the algorithm "none"': lambda w, s: _bearer(_alg_none(_token(s))),
    "the token for another audience": lambda w, s: _bearer(_resigned(_token(s), aud="someone-else")),
    "the token from another issuer": lambda w, s: _bearer(_resigned(_token(s), iss="elsewhere")),
    "the token without a session id": lambda w, s: _bearer(_resigned(_token(s), sid=None)),
    "the token expired a minute ago": lambda w, s: _bearer(_resigned(
        _token(s), iat=_now(w) - ACCESS_TTL - 60, nbf=_now(w) - ACCESS_TTL - 60, exp=_now(w) - 60)),
    "the token not valid for another hour": lambda w, s: _bearer(_resigned(
        _token(s), iat=_now(w), nbf=_now(w) + 3600, exp=_now(w) + 3600 + ACCESS_TTL)),
}


def _token(signin: Signin) -> str:
    return signin.latest["access_token"]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- Given ---------------------------------------------------------------------------------


@given(parsers.parse("the tenant {label} with an owner"))
def one_tenant(world, label):
    _add_tenant(world, label)


@given(parsers.parse("the tenants {first} and {second} each with an owner"))
def two_tenants(world, first, second):
    for label in (first, second):
        _add_tenant(world, label)


@given(parsers.re(r"three tenants (?P<a>\w+), (?P<b>\w+) and (?P<c>\w+) each with an owner"
                  r"(?: and (?P<members>\d+) members)?"))
def three_tenants(world, a, b, c, members):
    for label in (a, b, c):
        _add_tenant(world, label, int(members or 0))


@given(parsers.re(WHO + r" is (?:also )?an? (?P<role>owner|admin|member|viewer) of (?P<label>\w+)"))
def member_of(world, who, role, label):
    tenant = world.tenant(label)
    if who not in world.people:
        world.people[who] = Person(name=who, email=f"{who.lower()}@{tenant.slug}.test")
    email = world.person(who).email
    world.container.application.members().add(AddMember(
        slug=tenant.slug, email=email, role=role, actor=world.operator, full_name=who))
    _set_password(world.container, email)


@given(parsers.re(WHO + r" has signed in"))
def has_signed_in(world, who):
    _open_session(world, who)


@given(parsers.re(WHO + r" has signed in on a (?P<device>laptop|phone)"))
def has_signed_in_on(world, who, device):
    _open_session(world, who, key=device)


@given("each owner has signed in")
def each_owner_has_signed_in(world):
    for tenant in world.tenants.values():
        _open_session(world, tenant.owner)


@given(parsers.re(WHO + r" has refreshed the session"))
def has_refreshed(world, who):
    refresh(world, who)
    assert world.last.status_code == 200, world.last.get_json()


# --- When: signing in ----------------------------------------------------------------------


@when(parsers.re(WHO + r" signs in"))
def signs_in(world, who):
    _open_session(world, who)


@when(parsers.re(WHO + r" signs in to (?P<label>\w+)"))
def signs_in_to(world, who, label):
    _open_session(world, who, org=label)


@when(parsers.re(WHO + r" signs in without naming an organization"))
def signs_in_without_org(world, who):
    _sign_in(world, who)


@when(parsers.re(WHO + r" signs in with a wrong password"))
def signs_in_wrongly(world, who):
    world.attempts.append(_sign_in(world, who, password=WRONG_PASSWORD))


@when(parsers.re(WHO + r" signs in with a wrong password (?P<times>\d+) times"))
def signs_in_wrongly_again_and_again(world, who, times):
    world.attempts = [_sign_in(world, who, password=WRONG_PASSWORD) for _ in range(int(times))]


@when(parsers.re(WHO + r" then signs in with the right password"))
def then_signs_in_rightly(world, who):
    _sign_in(world, who)


@when(parsers.parse('someone signs in as "{email}", an email nobody uses'))
def unknown_email_signs_in(world, email):
    world.attempts.append(world.call("POST", "/api/v1/auth/login",
                                     json={"email": email, "password": WRONG_PASSWORD}))


@when("each owner signs in")
def each_owner_signs_in(world):
    each_owner_has_signed_in(world)


@when(parsers.parse('someone signs up the organization "{name}" as "{email}" with the password "{password}"'))
def signs_up(world, name, email, password):
    world.call("POST", "/api/v1/signup", json={
        "org_name": name, "slug": world.unique_slug(name.lower()), "email": email,
        "password": password, "full_name": email.split("@")[0].capitalize()})


# --- When: using the tokens ----------------------------------------------------------------


@when(parsers.re(WHO + r" reads the organization (?P<label>\w+)"))
def reads_org(world, who, label):
    _read_org(world, label, _access(world, who))


@when(parsers.re(WHO + r" lists the members of (?P<label>\w+)"))
def lists_members(world, who, label):
    world.call("GET", f"/api/v1/orgs/{world.tenant(label).slug}/members", token=_access(world, who))


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
    world.call("POST", "/api/v1/auth/logout", token=_access(world, device))


@when(parsers.re(WHO + r" removes " + WHO.replace("who", "whom") + r" from (?P<label>\w+)"))
def removes_member(world, who, whom, label):
    if who not in world.signins:
        _open_session(world, who)
    slug = world.tenant(label).slug
    members = world.call("GET", f"/api/v1/orgs/{slug}/members", token=_access(world, who)).get_json()
    member_id = next(m["id"] for m in members if m["email"] == world.person(whom).email)
    response = world.call("DELETE", f"/api/v1/orgs/{slug}/members/{member_id}", token=_access(world, who))
    assert response.status_code == 204, response.get_json()


# --- When: reaching into another tenant ----------------------------------------------------


def _probe(world: World, who: str, label: str, method: str, path: str, **kwargs) -> None:
    """Ask for `path` in the tenant `label`, and the same of a slug nobody uses, to compare."""
    nowhere = world.unique_slug("nowhere")
    token = _access(world, who)
    real = world.call(method, path.format(slug=world.tenant(label).slug), token=token, **kwargs)
    fake = world.call(method, path.format(slug=nowhere), token=token, **kwargs)
    world.probes.append((f"{method} {path}", label, nowhere, real, fake))


def _owner_member_id(world: World, label: str) -> uuid.UUID:
    views = world.container.application.members().every(world.tenant(label).slug, world.operator)
    return next(m.id for m in views if m.role == "owner")


def _snapshot(world: World, label: str) -> tuple:
    org = world.container.application.organizations().get(
        GetOrganization(slug=world.tenant(label).slug, actor=world.operator))
    return org.name, org.settings, _members(world, label), len(_audit(world, label))


@when(parsers.re(r"the owner of (?P<tenant>\w+) reads the organization, members, owner, API keys "
                 r"and audit log of (?P<other>\w+)"))
def reads_everything_of(world, tenant, other):
    who = f"the owner of {tenant}"
    owner = _owner_member_id(world, other)
    for path in ("/api/v1/orgs/{slug}", "/api/v1/orgs/{slug}/members",
                 f"/api/v1/orgs/{{slug}}/members/{owner}", "/api/v1/orgs/{slug}/api-keys",
                 "/api/v1/orgs/{slug}/audit", "/api/v1/orgs/{slug}/audit/export"):
        _probe(world, who, other, "GET", path)


@when(parsers.re(r"the owner of (?P<tenant>\w+) tries to rename (?P<other>\w+), and to add, invite, "
                 r"demote or remove its people"))
def changes_people_of(world, tenant, other):
    world.before.setdefault(other, _snapshot(world, other))
    who = f"the owner of {tenant}"
    owner = _owner_member_id(world, other)
    intruder = f"intruder@{world.tenant(tenant).slug}.test"
    _probe(world, who, other, "PATCH", "/api/v1/orgs/{slug}", json={"name": "Taken over"})
    _probe(world, who, other, "POST", "/api/v1/orgs/{slug}/members",
           json={"email": intruder, "role": "owner"})
    _probe(world, who, other, "POST", "/api/v1/orgs/{slug}/invitations",
           json={"email": intruder, "role": "admin"})
    _probe(world, who, other, "PATCH", f"/api/v1/orgs/{{slug}}/members/{owner}", json={"role": "viewer"})
    _probe(world, who, other, "DELETE", f"/api/v1/orgs/{{slug}}/members/{owner}")


@when(parsers.re(r"the owner of (?P<tenant>\w+) tries to create an API key in (?P<other>\w+), "
                 r"and to delete (?P=other)"))
def keys_and_delete_of(world, tenant, other):
    world.before.setdefault(other, _snapshot(world, other))
    who = f"the owner of {tenant}"
    _probe(world, who, other, "POST", "/api/v1/orgs/{slug}/api-keys",
           json={"name": "backdoor", "scopes": ["org:read", "members:write"]})
    _probe(world, who, other, "DELETE", "/api/v1/orgs/{slug}")


@when(parsers.parse("the three owners each list their members {times:d} times, all at once"))
def owners_list_at_once(world, times):
    jobs = [(tenant, _access(world, tenant.owner)) for tenant in world.tenants.values()] * times

    def list_members(job):
        tenant, token = job
        response = world.app.test_client().get(f"/api/v1/orgs/{tenant.slug}/members",
                                                headers=_bearer(token))
        return tenant.label, response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(world.tenants) * 4) as pool:
        world.attempts = list(pool.map(list_members, jobs))
    world.expected_attempts = len(jobs)


# --- Then: signing in ----------------------------------------------------------------------


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
    listed = {(m["email"], m["role"]) for m in world.last.get_json()}
    expected = {(world.person(row["person"]).email, row["role"]) for row in rows_to_dicts(datatable)}
    assert listed == expected


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
    user_id = _user_id(world.container, person.email)
    entries = [e for e in _audit(world, label) if e.action == action]
    assert entries, f"no {action} in {[e.action for e in _audit(world, label)]}"
    latest = entries[-1]
    assert latest.actor_id == user_id or latest.actor_label == person.email or \
        latest.resource_id == person.email, latest
    assert PASSWORD not in json.dumps(latest.details) and WRONG_PASSWORD not in json.dumps(latest.details)


@then(parsers.re(r"the audit log of (?P<label>\w+) records (?P<count>\d+) failed sign-ins for " + WHO))
def audit_records_failures(world, label, count, who):
    failures = [e for e in _audit(world, label) if e.action == "auth.login_failed"]
    assert len(failures) == int(count)
    assert {e.resource_id for e in failures} == {world.person(who).email}


@then(parsers.parse('both sign-ins are refused with 401 "{detail}"'))
def both_refused(world, detail):
    assert len(world.attempts) == 2
    for response in world.attempts:
        _assert_unauthenticated(response, detail)


@then("the two answers are identical")
def answers_identical(world):
    wrong_password, unknown_email = world.attempts
    assert _comparable(wrong_password) == _comparable(unknown_email)
    assert wrong_password.get_data() == unknown_email.get_data()


@then(parsers.re(r'the sign-in is refused as invalid with the code "(?P<code>\w+)", offering '
                 r"(?P<a>\w+) and (?P<b>\w+)"))
def refused_org_required(world, code, a, b):
    body = _assert_problem(world.last, 422)
    assert body["code"] == code
    offered = body["errors"]["org"][0]
    assert offered == f"choose one of: {', '.join(sorted([world.tenant(a).slug, world.tenant(b).slug]))}"
    assert "access_token" not in body


@then(parsers.re(WHO + r" can read the organization (?P<label>\w+)"))
def can_read(world, who, label):
    response = _read_org(world, label, _access(world, who))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["slug"] == world.tenant(label).slug


@then(parsers.re(WHO + r"'s token is for (?P<label>\w+) as an? (?P<role>\w+)"))
def token_is_for(world, who, label, role):
    me = world.call("GET", "/api/v1/me", token=_access(world, who))
    assert me.status_code == 200, me.get_json()
    assert (me.get_json()["org"]["slug"], me.get_json()["org"]["role"]) == (world.tenant(label).slug, role)


@then(parsers.re(WHO + r" cannot see the organization (?P<label>\w+): it answers 404"))
def cannot_see(world, who, label):
    body = _assert_problem(_read_org(world, label, _access(world, who)), 404)
    assert body["code"] == "org_not_found"
    assert str(world.tenant(label).id) not in json.dumps(body)


# --- Then: tokens --------------------------------------------------------------------------


@then(parsers.parse('the request is refused as unauthenticated, saying only "{detail}"'))
def refused_unauthenticated(world, detail):
    _assert_unauthenticated(world.last, detail)
    assert set(world.last.get_json()) <= {"type", "title", "status", "detail", "code"}


@then("the answer is the same as for a request with no token at all")
def same_as_no_token(world):
    refused = world.last
    slug = refused.request.path.rsplit("/", 1)[-1]
    baseline = world.call("GET", f"/api/v1/orgs/{slug}")
    assert _comparable(refused) == _comparable(baseline)


@then(parsers.re(WHO + r" can no longer read the organization (?P<label>\w+)"))
def can_no_longer_read(world, who, label):
    _assert_unauthenticated(_read_org(world, label, _access(world, who)), ENDED)


@then(parsers.re(WHO + r" gets a new access token and a new refresh token"))
def got_new_tokens(world, who):
    assert world.last.status_code == 200, world.last.get_json()
    first, second = world.signins[who].pairs
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["expires_in"] == ACCESS_TTL
    assert _claims(second["access_token"])["sid"] == _claims(first["access_token"])["sid"]


@then("it is refused as unauthenticated")
def it_is_refused(world):
    _assert_unauthenticated(world.last, INVALID_TOKEN)


@then(parsers.re(r"the newest refresh token of " + WHO + r" is refused too"))
def newest_refresh_refused(world, who):
    response = world.call("POST", "/api/v1/auth/refresh",
                          json={"refresh_token": world.signins[who].latest["refresh_token"]})
    _assert_unauthenticated(response, INVALID_TOKEN)


@then("the sign-out answers 204 with no body")
def signed_out(world):
    assert world.last.status_code == 204
    assert world.last.get_data() == b""


@then(parsers.re(r"the (?P<device>laptop|phone)'s access token is refused"))
def device_access_refused(world, device):
    signin = world.signins[device]
    slug = signin.latest["org"]["slug"]
    _assert_unauthenticated(world.call("GET", f"/api/v1/orgs/{slug}", token=_access(world, device)), ENDED)
    _assert_unauthenticated(world.call("POST", "/api/v1/auth/logout", token=_access(world, device)), ENDED)


@then(parsers.re(r"the (?P<device>laptop|phone)'s refresh token is refused"))
def device_refresh_refused(world, device):
    response = world.call("POST", "/api/v1/auth/refresh",
                          json={"refresh_token": world.signins[device].latest["refresh_token"]})
    _assert_unauthenticated(response, INVALID_TOKEN)


@then(parsers.re(r"the (?P<device>laptop|phone) still reads the organization (?P<label>\w+)"))
def device_still_reads(world, device, label):
    response = _read_org(world, label, _access(world, device))
    assert response.status_code == 200, response.get_json()


# --- Then: failed sign-ins -----------------------------------------------------------------


@then(parsers.parse('every one of those sign-ins is refused with 401 "{detail}"'))
def all_refused(world, detail):
    for response in world.attempts:
        _assert_unauthenticated(response, detail)


@then("the sign-in is refused with 429 and a Retry-After of at most 15 minutes")
def throttled(world):
    body = _assert_problem(world.last, 429)
    assert 1 <= int(world.last.headers["Retry-After"]) <= 15 * 60
    assert "access_token" not in body


@then(parsers.re(WHO + r", signing in at the same time, gets in"))
def other_gets_in(world, who):
    response = _sign_in(world, who)
    assert response.status_code == 200, response.get_json()


# --- Then: roles and membership ------------------------------------------------------------


@then(parsers.re(WHO + r" can no longer refresh the session"))
def can_no_longer_refresh(world, who):
    response = world.call("POST", "/api/v1/auth/refresh",
                          json={"refresh_token": world.signins[who].latest["refresh_token"]})
    _assert_unauthenticated(response, INVALID_TOKEN)


@then(parsers.re(WHO + r" can no longer sign in"))
def can_no_longer_sign_in(world, who):
    _assert_unauthenticated(_sign_in(world, who), INVALID_CREDENTIALS)


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
    response = ACTIONS[action](world, world.tenant(label).slug, _access(world, who))
    if may == "may":
        assert response.status_code in (200, 201), response.get_json()
    else:
        assert _assert_problem(response, 403)["code"] == "forbidden"


@then(parsers.parse('the sign-up is refused as invalid, saying the password "{problem}"'))
def sign_up_refused(world, problem):
    body = _assert_problem(world.last, 422)
    assert problem in body["errors"]["password"]
    assert "access_token" not in body


# --- The API as a developer sees it ---------------------------------------------------------


REQUESTS = {
    "a sign-in whose body is not JSON": lambda w: w.call(
        "POST", "/api/v1/auth/login", data='{"email": "ann@', content_type="application/json"),
    "a sign-in without a password": lambda w: w.call(
        "POST", "/api/v1/auth/login", json={"email": w.person("Ann").email}),
    "a sign-in with a wrong password": lambda w: _sign_in(w, "Ann", password=WRONG_PASSWORD),
    "Ann's request to rename acme": lambda w: ACTIONS["rename"](w, w.tenant("acme").slug, _access(w, "Ann")),
    "Ann's request for an organization nobody has": lambda w: w.call(
        "GET", f"/api/v1/orgs/{w.unique_slug('nobody')}", token=_access(w, "Ann")),
}


@when(parsers.parse("the client sends {request}"))
def client_sends(world, request):
    REQUESTS[request](world)


@then(parsers.parse('the answer is a problem document with the status {status:d} and the code "{code}"'))
def problem_document(world, status, code):
    body = _assert_problem(world.last, status)
    assert body["code"] == code
    assert body["type"].startswith("https://") and body["detail"]


@then("it shows no stack trace and no password")
def no_stack_trace(world):
    text = world.last.get_data(as_text=True)
    assert "Traceback" not in text and ".py" not in text
    assert PASSWORD not in text and WRONG_PASSWORD not in text


@when("a developer opens the API documentation")
def opens_docs(world):
    world.call("GET", "/docs")


@then(parsers.parse('it is served at "{path}"'))
def docs_served(world, path):
    assert world.last.status_code == 200
    assert world.last.request.path == path
    assert "swagger" in world.last.get_data(as_text=True).lower()


@then("sign-in, refresh and sign-out are documented, sign-in with its 401 answer")
def auth_documented(world):
    paths = world.call("GET", "/openapi.json").get_json()["paths"]
    assert {"/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"} <= set(paths)
    assert "401" in paths["/api/v1/auth/login"]["post"]["responses"]
    assert paths["/api/v1/auth/logout"]["post"]["security"] == [{"bearerAuth": []}]


@then("the organization and member routes ask for a Bearer token")
def routes_ask_for_bearer(world):
    spec = world.call("GET", "/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    org_routes = {path: ops for path, ops in spec["paths"].items() if path.startswith("/api/v1/orgs/")}
    assert "/api/v1/orgs/{slug}/members" in org_routes
    for path, ops in org_routes.items():
        for method, op in ops.items():
            if method in ("get", "post", "patch", "put", "delete"):
                assert op.get("security") == [{"bearerAuth": []}], (method, path)


# --- Then: tenant isolation ----------------------------------------------------------------


@then("each owner gets an HS256 token for their own organization, expiring in 15 minutes")
def each_owner_token(world):
    for tenant in world.tenants.values():
        pair = world.signins[tenant.owner].latest
        assert jwt.get_unverified_header(pair["access_token"])["alg"] == "HS256"
        claims = jwt.decode(pair["access_token"], TEST_SECRET_KEY, algorithms=["HS256"], audience=AUDIENCE,
                            issuer=ISSUER, options={"verify_exp": False, "verify_iat": False,
                                                    "verify_nbf": False})
        assert claims["org"] == str(tenant.id) and pair["org"]["slug"] == tenant.slug
        assert claims["sub"] == str(_user_id(world.container, world.person(tenant.owner).email))
        assert claims["typ"] == "access" and claims["exp"] - claims["iat"] == ACCESS_TTL


@then("each owner can read their own organization and its members")
def each_owner_reads_own(world):
    for tenant in world.tenants.values():
        can_read(world, tenant.owner, tenant.label)
        members = world.call("GET", f"/api/v1/orgs/{tenant.slug}/members", token=_access(world, tenant.owner))
        assert members.status_code == 200
        assert [m["email"] for m in members.get_json()] == [world.person(tenant.owner).email]


@then(parsers.parse("every answer is 404, as if {other} did not exist"))
def every_answer_404(world, other):
    assert world.probes
    for what, label, nowhere, real, fake in world.probes:
        assert label == other
        body = _assert_problem(real, 404)
        assert body["code"] == "org_not_found", (what, body)
        slug = world.tenant(label).slug
        assert real.get_data(as_text=True).replace(slug, "<slug>") == \
            fake.get_data(as_text=True).replace(nowhere, "<slug>"), what
        assert str(world.tenant(label).id) not in real.get_data(as_text=True)
    world.probes.clear()


@then(parsers.parse("{label} is unchanged"))
def is_unchanged(world, label):
    assert _snapshot(world, label) == world.before[label]


@then(parsers.parse("the owner of {tenant} can still read the organization {label}"))
def can_still_read(world, tenant, label):
    can_read(world, f"the owner of {tenant}", label)


@then("every answer lists exactly the members of the asker's own organization")
def answers_own_members_only(world):
    assert world.attempts and len(world.attempts) == world.expected_attempts
    expected = {label: set(_members(world, label)) for label in world.tenants}
    for label, status, body in world.attempts:
        assert status == 200, body
        assert {m["email"] for m in body} == expected[label]
