"""An org's support grants over HTTP: its owners and admins see them; a member is refused; a
credential of another org learns nothing (404)."""

import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from application.support import OpenSupport
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, set_password


@pytest.fixture
def api(any_container, operator, unique_slug):
    a, b = unique_slug("grants-a"), unique_slug("grants-b")
    for slug in (a, b):
        any_container.application.organizations().create(CreateOrganization(
            name=slug, slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    any_container.application.members().add(AddMember(
        slug=a, email=f"member@{a}.test", role="member", actor=operator))
    any_container.application.support().open(
        OpenSupport(slug=a, reason="ticket 3", minutes=30, actor=operator))
    client = create_app(any_container).test_client()
    headers = {}
    for email in (f"owner@{a}.test", f"member@{a}.test", f"owner@{b}.test"):
        set_password(any_container, email)
        token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json
        headers[email.split(".")[0]] = {"Authorization": f"Bearer {token['access_token']}"}
    return client, a, b, headers


def test_the_owners_see_the_grants(api, operator):
    client, a, _, headers = api
    response = client.get(f"/api/v1/orgs/{a}/support-grants", headers=headers[f"owner@{a}"])
    assert response.status_code == 200, response.json
    [grant] = response.json
    assert (grant["operator"], grant["reason"], grant["state"]) == (operator.label, "ticket 3", "open")


def test_a_member_is_refused_and_another_org_learns_nothing(api):
    client, a, b, headers = api
    refused = client.get(f"/api/v1/orgs/{a}/support-grants", headers=headers[f"member@{a}"])
    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    hidden = client.get(f"/api/v1/orgs/{a}/support-grants", headers=headers[f"owner@{b}"])
    assert hidden.status_code == 404
    assert client.get(f"/api/v1/orgs/{a}/support-grants").status_code == 401
