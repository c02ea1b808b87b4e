"""The members list reads `limit` and `cursor` by hand (for speed): it must keep exactly the
rules its OpenAPI parameters state, and refuse with the same 422 problem as any other query."""

import pytest
from werkzeug.datastructures import MultiDict

from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from entrypoints.http.tenant_schemas import MAX_CURSOR, MEMBER_PAGE_PARAMETERS, member_page_query
from tests.fixtures.app import PASSWORD, memory_container, set_password

LIMIT, CURSOR = ({p["name"]: p["schema"] for p in MEMBER_PAGE_PARAMETERS}[n] for n in ("limit", "cursor"))


@pytest.mark.parametrize(("args", "expected"), [
    ({}, {}),
    ({"limit": "1"}, {"limit": 1}),
    ({"limit": str(LIMIT["maximum"])}, {"limit": LIMIT["maximum"]}),
    ({"cursor": "c" * CURSOR["maxLength"]}, {"cursor": "c" * CURSOR["maxLength"]}),
    ({"limit": "7", "cursor": "abc", "other": "ignored"}, {"limit": 7, "cursor": "abc"}),
])
def test_values_inside_the_documented_bounds_are_taken(args, expected):
    with create_app(memory_container()).test_request_context():
        assert member_page_query(MultiDict(args)) == expected


@pytest.fixture
def signed_in(operator):
    container = memory_container()
    container.application.organizations().create(CreateOrganization(
        name="Acme", slug="acme", owner_email="owner@acme.test", actor=operator))
    set_password(container, "owner@acme.test")
    client = create_app(container).test_client()
    tokens = client.post("/api/v1/auth/login", json={"email": "owner@acme.test",
                                                      "password": PASSWORD}).json
    return client, {"Authorization": f"Bearer {tokens['access_token']}"}


def test_the_credential_is_checked_before_the_query(signed_in):
    client, _ = signed_in
    response = client.get("/api/v1/orgs/acme/members?limit=abc",
                          headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401


@pytest.mark.parametrize(("args", "field"), [
    ({"limit": str(LIMIT["minimum"] - 1)}, "limit"), ({"limit": str(LIMIT["maximum"] + 1)}, "limit"),
    ({"limit": "1.5"}, "limit"), ({"limit": "abc"}, "limit"), ({"limit": ""}, "limit"),
    ({"limit": "9" * 5000}, "limit"), ({"limit": "\x00"}, "limit"),
    ({"cursor": "c" * (MAX_CURSOR + 1)}, "cursor"),
])
def test_values_outside_them_are_a_422_problem_naming_the_field(signed_in, args, field):
    client, auth = signed_in
    query = "&".join(f"{k}={v}" for k, v in args.items())
    response = client.get(f"/api/v1/orgs/acme/members?{query}", headers=auth)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.json["code"] == "validation_failed" and field in response.json["errors"]
