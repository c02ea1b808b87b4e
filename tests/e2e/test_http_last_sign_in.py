"""When a member last signed in: noted at each sign-in, listed to those who may read the audit
log (which records it), and to each person about themselves; a viewer, a member or an org:read
key sees null for the others."""

from __future__ import annotations

import pytest

from application.api_keys import CreateApiKey
from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, set_password


@pytest.fixture
def acme(any_container, operator, unique_slug):
    slug = unique_slug("acme")
    container = any_container
    container.application.organizations().create(CreateOrganization(
        name="Acme", slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    for role in ("admin", "viewer"):
        container.application.members().add(AddMember(slug=slug, email=f"{role}@{slug}.test",
                                                      role=role, actor=operator))
    for who in ("owner", "admin", "viewer"):
        set_password(container, f"{who}@{slug}.test")
    return container, slug


def _signed_in(client, email):
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.json
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def test_last_sign_ins_are_shown_to_those_who_may_read_the_audit_log(acme, operator):
    container, slug = acme
    client = create_app(container).test_client()
    bearers = {who: _signed_in(client, f"{who}@{slug}.test") for who in ("owner", "admin", "viewer")}

    def seen_by(headers) -> dict[str, str | None]:
        listed = client.get(f"/api/v1/orgs/{slug}/members", headers=headers)
        assert listed.status_code == 200
        return {m["email"].split("@")[0]: m["last_sign_in_at"] for m in listed.json}

    by_admin, by_viewer = seen_by(bearers["admin"]), seen_by(bearers["viewer"])
    assert all(by_admin.values())  # each of the three signed in once
    assert by_viewer == {"owner": None, "admin": None, "viewer": by_admin["viewer"]}
    owner_id = next(m["id"] for m in client.get(f"/api/v1/orgs/{slug}/members",
                                                headers=bearers["owner"]).json
                    if m["email"].startswith("owner@"))
    one = client.get(f"/api/v1/orgs/{slug}/members/{owner_id}", headers=bearers["viewer"])
    assert one.status_code == 200 and one.json["last_sign_in_at"] is None
    key = container.application.api_keys().create(CreateApiKey(
        slug=slug, name="reader", scopes=["org:read"], actor=operator)).secret
    assert set(seen_by({"Authorization": f"Bearer {key}"}).values()) == {None}
