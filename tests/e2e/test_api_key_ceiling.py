"""An API key never does more than the person who made it may do now, and never hands out
power: attacked as a stolen `members:write` key would be used, and after its creator lost
their place."""

import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from application.users import SetUserStatus
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password

BROAD = ["org:read", "org:write", "members:write", "audit:read"]


@pytest.fixture
def acme(any_container, operator, unique_slug):
    slug = unique_slug("ceiling")
    any_container.application.organizations().create(CreateOrganization(
        name="Ceiling", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    any_container.application.members().add(AddMember(
        slug=slug, email=f"admin@{slug}.test", role="admin", actor=operator))
    client = create_app(any_container).test_client()
    people = {}
    for role in ("owner", "admin"):
        email = f"{role}@{slug}.test"
        _set_password(any_container, email)
        token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
        people[role] = {"Authorization": f"Bearer {token['access_token']}"}
    return client, slug, people


def _key(client, slug, creator, scopes=BROAD):
    created = client.post(f"/api/v1/orgs/{slug}/api-keys", headers=creator,
                          json={"name": "robot", "scopes": scopes})
    assert created.status_code == 201, created.json
    return {"Authorization": f"Bearer {created.json['secret']}"}


def _member_id(client, slug, headers, email):
    listed = client.get(f"/api/v1/orgs/{slug}/members", headers=headers).json
    return next(m["id"] for m in listed if m["email"] == email)


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_a_key_cannot_add_or_invite_anyone_above_member(acme, role):
    client, slug, people = acme
    key = _key(client, slug, people["owner"])
    for path in ("members", "invitations"):
        response = client.post(f"/api/v1/orgs/{slug}/{path}", headers=key,
                               json={"email": f"takeover-{path}@evil.test", "role": role})
        assert response.status_code == 403, (path, response.json)
    listed = client.get(f"/api/v1/orgs/{slug}/members", headers=people["owner"]).json
    assert not any(m["email"].startswith("takeover") for m in listed)
    fine = client.post(f"/api/v1/orgs/{slug}/members", headers=key,
                       json={"email": f"helper@{slug}.test", "role": "member"})
    assert fine.status_code == 202, fine.json  # invited


def test_a_key_cannot_promote_a_member_or_demote_an_admin(acme, any_container, operator):
    client, slug, people = acme
    key = _key(client, slug, people["owner"])
    any_container.application.members().add(AddMember(
        slug=slug, email=f"plain@{slug}.test", role="member", actor=operator))
    plain = _member_id(client, slug, people["owner"], f"plain@{slug}.test")
    promote = client.patch(f"/api/v1/orgs/{slug}/members/{plain}", headers=key,
                           json={"role": "admin"})
    assert promote.status_code == 403
    admin = _member_id(client, slug, people["owner"], f"admin@{slug}.test")
    demote = client.patch(f"/api/v1/orgs/{slug}/members/{admin}", headers=key, json={"role": "viewer"})
    assert demote.status_code == 403
    assert client.delete(f"/api/v1/orgs/{slug}/members/{admin}", headers=key).status_code == 403


def test_a_key_dies_with_its_creators_role_and_does_not_come_back(acme, any_container, operator):
    """A demotion ends the keys made under the old role; a promotion later does not revive them."""
    client, slug, people = acme
    key = _key(client, slug, people["admin"])
    assert client.patch(f"/api/v1/orgs/{slug}", headers=key, json={"name": "By key"}).status_code == 200
    admin = _member_id(client, slug, people["owner"], f"admin@{slug}.test")
    for role in ("member", "admin"):
        assert client.patch(f"/api/v1/orgs/{slug}/members/{admin}", headers=people["owner"],
                            json={"role": role}).status_code == 200
        assert client.get(f"/api/v1/orgs/{slug}", headers=key).status_code == 401
    entries = client.get(f"/api/v1/orgs/{slug}/audit?action=member.role_changed",
                         headers=people["owner"]).json["entries"]
    assert [e["details"]["api_keys_revoked"] for e in entries] == [1, 0]


def test_a_key_dies_with_its_creators_membership_for_good(acme, any_container, operator):
    client, slug, people = acme
    key = _key(client, slug, people["admin"])
    admin = _member_id(client, slug, people["owner"], f"admin@{slug}.test")
    assert client.delete(f"/api/v1/orgs/{slug}/members/{admin}",
                         headers=people["owner"]).status_code == 204
    assert client.get(f"/api/v1/orgs/{slug}", headers=key).status_code == 401
    any_container.application.members().add(AddMember(  # back, as an operator would add them
        slug=slug, email=f"admin@{slug}.test", role="admin", actor=operator))
    assert client.get(f"/api/v1/orgs/{slug}", headers=key).status_code == 401  # dead for good


def test_a_key_dies_when_its_creator_is_disabled(acme, any_container, operator):
    client, slug, people = acme
    key = _key(client, slug, people["admin"])
    assert client.get(f"/api/v1/orgs/{slug}", headers=key).status_code == 200
    any_container.application.users().set_status(SetUserStatus(
        email=f"admin@{slug}.test", status="disabled", actor=operator))
    assert client.get(f"/api/v1/orgs/{slug}", headers=key).status_code == 401
