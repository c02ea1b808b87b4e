"""Sign-in and tenant reads over HTTP, attacked: bad tokens, other tenants, bad bodies."""

import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password


@pytest.fixture
def world(any_container, operator, unique_slug):
    slugs = {}
    for name in ("a", "b"):
        slug = unique_slug(name)
        any_container.application.organizations().create(CreateOrganization(
            name=name.upper(), slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
        _set_password(any_container, f"owner@{slug}.test")
        slugs[name] = slug
    return create_app(any_container).test_client(), slugs, any_container


def _login(client, email, org=None):
    body = {"email": email, "password": PASSWORD} | ({"org": org} if org else {})
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.json
    return response.json


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_then_read_the_org_and_its_members(world):
    client, slugs, _ = world
    tokens = _login(client, f"owner@{slugs['a']}.test")
    assert tokens["token_type"] == "Bearer" and tokens["org"]["slug"] == slugs["a"]
    org = client.get(f"/api/v1/orgs/{slugs['a']}", headers=_bearer(tokens["access_token"]))
    assert org.status_code == 200 and org.json["slug"] == slugs["a"]
    members = client.get(f"/api/v1/orgs/{slugs['a']}/members", headers=_bearer(tokens["access_token"]))
    assert [m["email"] for m in members.json] == [f"owner@{slugs['a']}.test"]
    assert "password" not in str(members.json) and "password_hash" not in str(org.json)


@pytest.mark.parametrize("path", ["/api/v1/orgs/{b}", "/api/v1/orgs/{b}/members"])
def test_a_token_for_org_a_never_reaches_org_b(world, operator, path):
    client, slugs, container = world
    person, owner_b = f"owner@{slugs['a']}.test", f"owner@{slugs['b']}.test"
    container.application.members().add(AddMember(slug=slugs["b"], email=person, role="admin",
                                                  actor=operator))
    url = path.format(b=slugs["b"])
    tokens = _login(client, person, org=slugs["a"])
    response = client.get(url, headers=_bearer(tokens["access_token"]))
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "org_not_found"
    assert owner_b not in response.get_data(as_text=True) and "Link" not in response.headers
    # The same person, signed in to B, reads what the 404 held back: the path is right.
    own = client.get(url, headers=_bearer(_login(client, person, org=slugs["b"])["access_token"]))
    assert own.status_code == 200
    assert owner_b in own.get_data(as_text=True) if url.endswith("/members") else own.json["name"] == "B"


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt",
    "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
def test_bad_credentials_get_one_and_the_same_401(world, header):
    client, slugs, _ = world
    headers = {"Authorization": header} if header else {}
    response = client.get(f"/api/v1/orgs/{slugs['a']}", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["detail"] == "invalid or expired credentials"


def test_a_refresh_token_is_not_an_access_token(world):
    client, slugs, _ = world
    tokens = _login(client, f"owner@{slugs['a']}.test")
    response = client.get(f"/api/v1/orgs/{slugs['a']}", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 401


def test_refresh_then_logout(world):
    client, slugs, _ = world
    first = _login(client, f"owner@{slugs['a']}.test")
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    fresh = _login(client, f"owner@{slugs['a']}.test")
    assert client.post("/api/v1/auth/logout", headers=_bearer(fresh["access_token"])).status_code == 204
    after = client.get(f"/api/v1/orgs/{slugs['a']}", headers=_bearer(fresh["access_token"]))
    forged = client.get(f"/api/v1/orgs/{slugs['a']}", headers=_bearer("not.a.jwt"))
    assert after.status_code == 401
    assert after.json["detail"] == forged.json["detail"] == "invalid or expired credentials"


def test_wrong_password_and_unknown_email_answer_alike(world):
    client, slugs, _ = world
    wrong = client.post("/api/v1/auth/login", json={"email": f"owner@{slugs['a']}.test",
                                                    "password": "not the passphrase"})
    unknown = client.post("/api/v1/auth/login", json={"email": "ghost@nowhere.test",
                                                      "password": "not the passphrase"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json


@pytest.mark.parametrize(("body", "field"), [
    ({"password": "x" * 20}, "email"),
    ({"email": "a@b.test"}, "password"),
    ({"email": "a@b.test", "password": "x" * 20, "role": "owner"}, "role"),
    ({"email": "a@b.test", "password": "x" * 300}, "password"),
])
def test_bad_login_bodies_are_422_naming_the_field(world, body, field):
    client, _, _ = world
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert "x" * 20 not in response.get_data(as_text=True)


def test_the_document_says_which_credential_each_operation_takes(world):
    client, _, _ = world
    spec = client.get("/openapi.json").json
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == schemes["apiKeyAuth"]["scheme"] == "bearer"
    paths = spec["paths"]
    assert paths["/api/v1/orgs/{slug}"]["get"]["security"] == [{"bearerAuth": []},
                                                               {"apiKeyAuth": []}]
    assert paths["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/auth/login"]["post"]["security"] == []


def test_repeated_wrong_passwords_are_throttled_with_retry_after(world):
    client, slugs, _ = world
    body = {"email": f"owner@{slugs['a']}.test", "password": "not the passphrase"}
    statuses = [client.post("/api/v1/auth/login", json=body).status_code for _ in range(10)]
    assert statuses == [401] * 10
    throttled = client.post("/api/v1/auth/login", json={**body, "password": PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert throttled.content_type == "application/problem+json"


def test_me_lists_memberships_and_switch_org_moves_the_sign_in(world, operator):
    client, slugs, container = world
    email = f"owner@{slugs['a']}.test"
    container.application.members().add(AddMember(slug=slugs["b"], email=email, role="viewer",
                                                  actor=operator))
    tokens = _login(client, email, org=slugs["a"])
    me = client.get("/api/v1/me", headers=_bearer(tokens["access_token"])).json
    assert me["email"] == email and me["org"]["slug"] == slugs["a"]
    assert {(m["slug"], m["role"]) for m in me["memberships"]} == {
        (slugs["a"], "owner"), (slugs["b"], "viewer")}
    switched = client.post("/api/v1/auth/switch-org", json={"org": slugs["b"]},
                           headers=_bearer(tokens["access_token"]))
    assert switched.status_code == 200 and switched.json["org"]["slug"] == slugs["b"]
    new = _bearer(switched.json["access_token"])
    assert client.get(f"/api/v1/orgs/{slugs['b']}", headers=new).status_code == 200
    assert client.get(f"/api/v1/orgs/{slugs['a']}", headers=new).status_code == 404
    old = client.get(f"/api/v1/orgs/{slugs['a']}", headers=_bearer(tokens["access_token"]))
    assert old.status_code == 401


def test_switching_to_an_org_you_are_not_in_is_404(world):
    client, slugs, _ = world
    tokens = _login(client, f"owner@{slugs['a']}.test")
    response = client.post("/api/v1/auth/switch-org", json={"org": slugs["b"]},
                           headers=_bearer(tokens["access_token"]))
    assert response.status_code == 404
    still = client.get(f"/api/v1/orgs/{slugs['a']}", headers=_bearer(tokens["access_token"]))
    assert still.status_code == 200


def test_no_one_signs_in_to_a_deleted_organization(world):
    client, slugs, _ = world
    owner = f"owner@{slugs['a']}.test"
    token = _login(client, owner)["access_token"]
    gone = client.delete(f"/api/v1/orgs/{slugs['a']}", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 204, gone.json
    refused = client.post("/api/v1/auth/login",
                          json={"email": owner, "password": PASSWORD, "org": slugs["a"]})
    assert refused.status_code == 401 and "access_token" not in refused.json
    # With no org left, the password opens only the way to start a new one: no tokens.
    alone = client.post("/api/v1/auth/login", json={"email": owner, "password": PASSWORD})
    assert alone.status_code == 202 and alone.json["challenge"] == "create_org"
    assert "access_token" not in alone.json
    assert client.get(f"/api/v1/orgs/{slugs['a']}", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401


def _failures(container, since):
    with container.adapters.unit_of_work() as uow:
        return [f for f in uow.sign_in_failures.recent(limit=1000) if f.created_at >= since]


def test_a_wrong_password_and_an_unknown_address_are_logged_alike(world):
    client, slugs, container = world
    since = container.adapters.clock().now()
    owner = f"owner@{slugs['a']}.test"
    answers = [client.post("/api/v1/auth/login", json={"email": email, "password": "not it at all"})
               for email in (owner, f"nobody@{slugs['a']}.test")]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json == answers[1].json
    reasons = sorted(f.reason for f in _failures(container, since))
    assert reasons == ["unknown_account", "wrong_password"]
    assert all(owner not in str(f) for f in _failures(container, since))  # digests, no address


def test_a_failed_sign_in_naming_another_org_writes_nothing_into_its_log(world):
    client, slugs, container = world
    victim = slugs["b"]
    token = _login(client, f"owner@{victim}.test")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    before = client.get(f"/api/v1/orgs/{victim}/audit?limit=200", headers=headers).json["entries"]
    since = container.adapters.clock().now()
    forged = {"User-Agent": "\x1b[2J\x1b[31mEVIL\x07\x7f"}
    for email in (f"owner@{slugs['a']}.test", "stranger@elsewhere.test"):
        refused = client.post("/api/v1/auth/login", headers=forged,
                              json={"email": email, "password": "wrong guess here", "org": victim})
        assert refused.status_code == 401
    after = client.get(f"/api/v1/orgs/{victim}/audit?limit=200", headers=headers).json["entries"]
    seen = {e["id"] for e in before}
    assert [e["action"] for e in after if e["id"] not in seen] == ["audit.read"]  # the first read
    agents = {f.user_agent for f in _failures(container, since)}
    assert agents == {"\ufffd[2J\ufffd[31mEVIL\ufffd\ufffd"}  # kept, but unable to drive a terminal


def test_a_refused_attempt_and_a_missing_org_choice_are_logged_too(world, operator):
    """Every failure is audited, the 429s and `org_required` included, in the platform's log."""
    client, slugs, container = world
    since = container.adapters.clock().now()
    person = f"owner@{slugs['a']}.test"
    container.application.members().add(AddMember(slug=slugs["b"], email=person, role="member",
                                                  actor=operator))
    undecided = client.post("/api/v1/auth/login", json={"email": person, "password": PASSWORD})
    assert undecided.status_code == 422 and undecided.json["code"] == "org_required"
    victim = f"owner@{slugs['b']}.test"
    statuses = [client.post("/api/v1/auth/login", json={"email": victim, "password": "no no no"})
                .status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    failures = _failures(container, since)
    assert sorted(f.reason for f in failures) == ["org_required", "throttled"] + ["wrong_password"] * 10
    assert next(f for f in failures if f.reason == "org_required").user_id is not None
    throttled = next(f for f in failures if f.reason == "throttled")
    assert throttled.user_id is None and victim not in str(throttled)
