"""API keys over HTTP: shown once, scoped, bound to their org, refused at once when revoked."""

from datetime import timedelta

import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password


@pytest.fixture
def api(any_container, operator, unique_slug):
    slugs = {name: unique_slug(name) for name in ("a", "b")}
    for slug in slugs.values():
        any_container.application.organizations().create(CreateOrganization(
            name=slug, slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    any_container.application.members().add(AddMember(
        slug=slugs["a"], email=f"member@{slugs['a']}.test", role="member", actor=operator))
    client = create_app(any_container).test_client()
    headers = {}
    for role in ("owner", "member"):
        email = f"{role}@{slugs['a']}.test"
        _set_password(any_container, email)
        token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
        headers[role] = {"Authorization": f"Bearer {token['access_token']}"}
    return client, slugs, headers, any_container


def _create(client, slug, headers, scopes, **extra):
    response = client.post(f"/api/v1/orgs/{slug}/api-keys", json={"name": "ci", "scopes": scopes, **extra},
                           headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def _key(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_a_key_is_shown_once_and_works_within_its_scopes(api):
    client, slugs, headers, _ = api
    a = slugs["a"]
    created = _create(client, a, headers["owner"], ["org:read"])
    secret = created["secret"]
    assert secret.startswith(f"gw_{created['key']['prefix']}_")
    listed = client.get(f"/api/v1/orgs/{a}/api-keys", headers=headers["owner"])
    assert secret.split("_", 2)[2] not in listed.get_data(as_text=True)
    assert client.get(f"/api/v1/orgs/{a}", headers=_key(secret)).status_code == 200
    assert client.get(f"/api/v1/orgs/{a}/members", headers=_key(secret)).status_code == 200
    denied = client.patch(f"/api/v1/orgs/{a}", json={"name": "x"}, headers=_key(secret))
    assert denied.status_code == 403 and denied.json["code"] == "insufficient_scope"
    assert client.get(f"/api/v1/orgs/{a}/audit", headers=_key(secret)).status_code == 403
    for path in (f"/api/v1/orgs/{a}/api-keys", "/api/v1/me"):  # a person's routes
        refused = client.get(path, headers=_key(secret))
        assert refused.status_code == 403 and refused.json["code"] == "session_required", path
    used = client.get(f"/api/v1/orgs/{a}/api-keys", headers=headers["owner"]).json[0]
    assert used["last_used_at"] is not None
    audit = client.get(f"/api/v1/orgs/{a}/audit/export", headers=headers["owner"]).get_data(as_text=True)
    assert "api_key.created" in audit and "api_key.first_used" in audit
    assert secret not in audit and secret.split("_", 2)[2] not in audit


def test_a_key_never_reaches_another_org(api):
    client, slugs, headers, _ = api
    scopes = ["org:read", "members:write", "audit:read"]
    secret = _create(client, slugs["a"], headers["owner"], scopes)["secret"]
    for path in ("", "/members", "/audit"):
        assert client.get(f"/api/v1/orgs/{slugs['b']}{path}", headers=_key(secret)).status_code == 404
    added = client.post(f"/api/v1/orgs/{slugs['b']}/members", json={"email": "spy@x.test", "role": "member"},
                        headers=_key(secret))
    assert added.status_code == 404


def test_a_revoked_key_is_refused_at_once(api):
    client, slugs, headers, _ = api
    created = _create(client, slugs["a"], headers["owner"], ["org:read"])
    path = f"/api/v1/orgs/{slugs['a']}/api-keys/{created['key']['id']}"
    revoked = client.delete(path, headers=headers["owner"])
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert client.get(f"/api/v1/orgs/{slugs['a']}", headers=_key(created["secret"])).status_code == 401


@pytest.mark.parametrize("mangle", [
    lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),
    lambda s: "gw_000000000000_" + s.split("_", 2)[2],
    lambda s: "gw_",
    lambda s: "gw__x",
    lambda s: s.replace("gw_", "xx_", 1),
])
def test_forged_keys_are_refused(api, mangle):
    client, slugs, headers, _ = api
    secret = _create(client, slugs["a"], headers["owner"], ["org:read"])["secret"]
    response = client.get(f"/api/v1/orgs/{slugs['a']}", headers=_key(mangle(secret)))
    assert response.status_code == 401
    assert response.json["detail"] == "invalid or expired credentials"


def test_only_owners_and_admins_manage_keys_and_scopes_are_checked(api):
    client, slugs, headers, _ = api
    by_member = client.post(f"/api/v1/orgs/{slugs['a']}/api-keys", json={"name": "x", "scopes": ["org:read"]},
                            headers=headers["member"])
    assert by_member.status_code == 403
    bad_scope = client.post(f"/api/v1/orgs/{slugs['a']}/api-keys", json={"name": "x", "scopes": ["root"]},
                            headers=headers["owner"])
    assert bad_scope.status_code == 422 and any(f.startswith("scopes") for f in bad_scope.json["errors"])
    no_scope = client.post(f"/api/v1/orgs/{slugs['a']}/api-keys", json={"name": "x", "scopes": []},
                           headers=headers["owner"])
    assert no_scope.status_code == 422


def test_an_expired_key_is_refused(memory_app_container, operator):
    container = memory_app_container
    container.application.organizations().create(CreateOrganization(
        name="Exp", slug="expiring", owner_email="owner@exp.test", actor=operator))
    _set_password(container, "owner@exp.test")
    client = create_app(container).test_client()
    token = client.post("/api/v1/auth/login", json={"email": "owner@exp.test", "password": PASSWORD}).json
    created = _create(client, "expiring", {"Authorization": f"Bearer {token['access_token']}"}, ["org:read"],
                      expires_in_days=1)
    assert client.get("/api/v1/orgs/expiring", headers=_key(created["secret"])).status_code == 200
    container.adapters.clock().advance(timedelta(days=1, seconds=1))
    assert client.get("/api/v1/orgs/expiring", headers=_key(created["secret"])).status_code == 401
