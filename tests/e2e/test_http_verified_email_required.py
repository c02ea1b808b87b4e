"""An org may require a confirmed email address for sensitive actions: inviting, adding people,
changing roles, creating API keys. Refused with a clear 403 until the person confirms; an API
key acts with its creator's standing; an operator is not held to it."""

from __future__ import annotations

import pytest

from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password
from tests.fixtures.mail import mailed_token


@pytest.fixture
def strict(any_container, operator, unique_slug):
    slug = unique_slug("strict")
    email = f"owner@{slug}.test"
    any_container.application.organizations().create(CreateOrganization(
        name="Strict", slug=slug, owner_email=email, actor=operator))
    _set_password(any_container, email)
    client = create_app(any_container).test_client()
    token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    key = client.post(f"/api/v1/orgs/{slug}/api-keys", headers=headers,
                      json={"name": "before", "scopes": ["members:write"]}).json["secret"]
    turned_on = client.patch(f"/api/v1/orgs/{slug}", headers=headers,
                             json={"settings": {"require_verified_email": True}})
    assert turned_on.status_code == 200 and turned_on.json["settings"]["require_verified_email"]
    return client, slug, email, headers, key, any_container


def _sensitive(client, slug, headers):
    return {
        "invite": client.post(f"/api/v1/orgs/{slug}/invitations", headers=headers,
                              json={"email": "new@example.test", "role": "member"}),
        "api key": client.post(f"/api/v1/orgs/{slug}/api-keys", headers=headers,
                               json={"name": "k", "scopes": ["org:read"]}),
    }


def test_unconfirmed_people_and_their_keys_are_refused_until_they_confirm(strict):
    client, slug, email, headers, key, container = strict
    for action, response in _sensitive(client, slug, headers).items():
        assert response.status_code == 403, action
        assert response.json["code"] == "email_unverified", action
    by_key = client.post(f"/api/v1/orgs/{slug}/invitations",
                         headers={"Authorization": f"Bearer {key}"},
                         json={"email": "other@example.test", "role": "member"})
    assert by_key.status_code == 403 and by_key.json["code"] == "email_unverified"
    # Reading is not sensitive.
    assert client.get(f"/api/v1/orgs/{slug}/members", headers=headers).status_code == 200

    asked = client.post("/api/v1/me/email/verification", headers=headers)
    assert asked.status_code == 202
    confirmed = client.post("/api/v1/auth/verify-email",
                            json={"token": mailed_token(container, email)})
    assert confirmed.status_code == 204
    for action, response in _sensitive(client, slug, headers).items():
        assert response.status_code == 201, (action, response.json)


def test_the_setting_takes_only_true_or_false(strict):
    client, slug, _, headers, _, _ = strict
    for value in ("yes", 1, None, {"x": 1}):
        response = client.patch(f"/api/v1/orgs/{slug}", headers=headers,
                                json={"settings": {"require_verified_email": value}})
        assert response.status_code == 422, value
