"""Revocation is seen by the very next request in every process: two servers, one database.

A logout, a removal, a demotion or a key revocation answered by server A is already in force
when server B answers the next request; B has served the same credential just before, so any
cache on B's request path would show here.
"""

import json

import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from tests.e2e.live_server import http, live_server, postgres_env
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password

pytestmark = pytest.mark.postgres


def _call(base, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, payload = http(method, f"{base}{path}", json.dumps(body).encode() if body else None,
                           headers)
    return status, json.loads(payload) if payload else None


@pytest.fixture
def org(pg_container, operator, unique_slug):
    slug = unique_slug("revoke")
    pg_container.application.organizations().create(CreateOrganization(
        name="Revoke", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    for role in ("admin", "member"):
        pg_container.application.members().add(AddMember(
            slug=slug, email=f"{role}@{slug}.test", role=role, actor=operator))
    for role in ("owner", "admin", "member"):
        _set_password(pg_container, f"{role}@{slug}.test")
    return slug


@pytest.fixture
def two_servers(pg_urls, tmp_path):
    env = postgres_env(pg_urls, tmp_path)
    with live_server(env, workers=1) as (a, _), live_server(env, workers=1) as (b, _):
        yield a, b


def _sign_in(base, slug, role):
    status, tokens = _call(base, "POST", "/api/v1/auth/login",
                           body={"email": f"{role}@{slug}.test", "password": PASSWORD})
    assert status == 200, tokens
    return tokens


def test_every_revocation_on_one_server_holds_at_once_on_the_other(org, two_servers):
    a, b = two_servers
    members = f"/api/v1/orgs/{org}/members"
    owner = _sign_in(a, org, "owner")["access_token"]
    admin = _sign_in(a, org, "admin")["access_token"]
    member = _sign_in(a, org, "member")
    leaving = _sign_in(a, org, "owner")
    status, key = _call(a, "POST", f"/api/v1/orgs/{org}/api-keys", owner,
                        {"name": "ci", "scopes": ["org:read"]})
    assert status == 201
    for token in (admin, member["access_token"], leaving["access_token"], key["secret"]):
        assert _call(b, "GET", members, token)[0] == 200  # B has served each credential
    assert _call(b, "PATCH", f"/api/v1/orgs/{org}", admin, {"name": "Renamed"})[0] == 200

    assert _call(a, "POST", "/api/v1/auth/logout", leaving["access_token"])[0] == 204
    assert _call(b, "GET", members, leaving["access_token"])[0] == 401
    assert _call(b, "POST", "/api/v1/auth/refresh",
                 body={"refresh_token": leaving["refresh_token"]})[0] == 401

    _, listed = _call(a, "GET", members, owner)
    ids = {m["email"]: m["id"] for m in listed}
    assert _call(a, "DELETE", f"{members}/{ids[f'member@{org}.test']}", owner)[0] == 204
    assert _call(b, "GET", members, member["access_token"])[0] == 401
    assert _call(b, "POST", "/api/v1/auth/refresh",
                 body={"refresh_token": member["refresh_token"]})[0] == 401

    assert _call(a, "PATCH", f"{members}/{ids[f'admin@{org}.test']}", owner,
                 {"role": "viewer"})[0] == 200
    assert _call(b, "PATCH", f"/api/v1/orgs/{org}", admin, {"name": "Again"})[0] == 401
    demoted = _sign_in(b, org, "admin")["access_token"]  # the change ended their sessions
    assert _call(b, "PATCH", f"/api/v1/orgs/{org}", demoted, {"name": "Again"})[0] == 403

    assert _call(a, "DELETE", f"/api/v1/orgs/{org}/api-keys/{key['key']['id']}", owner)[0] == 200
    assert _call(b, "GET", members, key["secret"])[0] == 401
