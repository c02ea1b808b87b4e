"""An org suspended and resumed, deleted and restored, by an operator. While suspended every
way in is refused with the same clear 403 (sign-in, a live token, a refresh, an API key); a
deleted org comes back within its grace period, and not after."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.organizations import CreateOrganization, DeleteOrganization
from domain.audit import Actor, ActorType
from domain.errors import Conflict, Forbidden
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password


@pytest.fixture
def org(any_container, operator, unique_slug):
    slug = unique_slug("life")
    email = f"owner@{slug}.test"
    any_container.application.organizations().create(CreateOrganization(
        name="Life", slug=slug, owner_email=email, actor=operator))
    _set_password(any_container, email)
    client = create_app(any_container).test_client()
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
    key = client.post(f"/api/v1/orgs/{slug}/api-keys",
                      headers={"Authorization": f"Bearer {tokens['access_token']}"},
                      json={"name": "ci", "scopes": ["org:read"]}).json["secret"]
    return client, slug, email, tokens, key, any_container


def _suspended(response) -> bool:
    return response.status_code == 403 and response.json["code"] == "org_suspended"


def test_a_suspended_org_refuses_every_way_in_until_resumed(org, operator):
    client, slug, email, tokens, key, container = org
    lifecycle = container.application.org_lifecycle()
    assert lifecycle.suspend(slug, operator, "unpaid invoices").status == "suspended"
    assert _suspended(client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}))
    assert _suspended(client.get(f"/api/v1/orgs/{slug}",
                                 headers={"Authorization": f"Bearer {tokens['access_token']}"}))
    # A key's prefix is no secret: its answer says nothing of the suspension.
    assert client.get(f"/api/v1/orgs/{slug}", headers={"Authorization": f"Bearer {key}"}
                      ).status_code == 401
    assert _suspended(client.post("/api/v1/auth/refresh",
                                  json={"refresh_token": tokens["refresh_token"]}))
    wrong = client.post("/api/v1/auth/login", json={"email": email, "password": "not it, no"})
    assert wrong.status_code == 401  # the suspension is told only to who proves who they are
    lifecycle.resume(slug, operator)
    assert client.get(f"/api/v1/orgs/{slug}", headers={"Authorization": f"Bearer {key}"}
                      ).status_code == 200
    assert client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                       ).status_code == 200
    audit = client.get(f"/api/v1/orgs/{slug}/audit?limit=200",
                       headers={"Authorization": f"Bearer {tokens['access_token']}"})
    actions = [e["action"] for e in audit.json["entries"]]
    assert "org.suspended" in actions and "org.resumed" in actions


def test_a_deleted_org_comes_back_within_its_grace_period_only(org, operator, unique_slug):
    client, slug, email, tokens, _, container = org
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    client.delete(f"/api/v1/orgs/{slug}/api-keys/"
                  + client.get(f"/api/v1/orgs/{slug}/api-keys", headers=headers).json[0]["id"],
                  headers=headers)
    key = client.post(f"/api/v1/orgs/{slug}/api-keys", headers=headers,
                      json={"name": "later", "scopes": ["org:read"]}).json["secret"]
    assert client.delete(f"/api/v1/orgs/{slug}", headers=headers).status_code == 204
    lifecycle = container.application.org_lifecycle()
    assert lifecycle.restore(slug, operator).status == "active"
    # Restored without its old ways in: sessions and keys ended with the deletion.
    assert client.get(f"/api/v1/orgs/{slug}", headers=headers).status_code == 401
    assert client.get(f"/api/v1/orgs/{slug}", headers={"Authorization": f"Bearer {key}"}
                      ).status_code == 401
    assert client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                       ).status_code == 200
    with pytest.raises(Conflict):
        lifecycle.restore(slug, operator)  # not deleted now
    with pytest.raises(Forbidden):
        lifecycle.suspend(slug, Actor(type=ActorType.USER, label="someone"), "no")


def test_restoring_after_the_grace_period_is_refused(memory_app_container, operator, unique_slug):
    container = memory_app_container
    slug = unique_slug("late")
    container.application.organizations().create(CreateOrganization(
        name="Late", slug=slug, owner_email=f"o@{slug}.test", actor=operator))
    container.application.organizations().delete(DeleteOrganization(slug=slug, actor=operator))
    container.adapters.clock().advance(timedelta(days=31))
    with pytest.raises(Conflict) as refused:
        container.application.org_lifecycle().restore(slug, operator)
    assert refused.value.code == "grace_period_over"
