"""The members list in pages over HTTP: follow `Link: <…>; rel="next"` to the end."""

import re

import pytest

from application.members import AddMember
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password

NEXT = re.compile(r'^<(?P<url>/[^>]*)>; rel="next"$')


@pytest.fixture
def acme(any_container, operator, unique_slug):
    slug = unique_slug("pages")
    any_container.application.organizations().create(CreateOrganization(
        name="Pages", slug=slug, owner_email=f"owner@{slug}.test", actor=operator,
        plan="pro"))
    for i in range(6):
        any_container.application.members().add(AddMember(
            slug=slug, email=f"m{i}@{slug}.test", role="member", actor=operator))
    _set_password(any_container, f"owner@{slug}.test")
    client = create_app(any_container).test_client()
    tokens = client.post("/api/v1/auth/login", json={"email": f"owner@{slug}.test",
                                                      "password": PASSWORD}).json
    return client, slug, {"Authorization": f"Bearer {tokens['access_token']}"}


def test_following_the_links_lists_every_member_once_in_order(acme):
    client, slug, auth = acme
    url, seen, pages = f"/api/v1/orgs/{slug}/members?limit=3", [], 0
    while url:
        response = client.get(url, headers=auth)
        assert response.status_code == 200, response.json
        seen += [m["email"] for m in response.json]
        pages += 1
        link = response.headers.get("Link")
        url = NEXT.match(link).group("url") if link else None
    everyone = [m["email"] for m in client.get(f"/api/v1/orgs/{slug}/members", headers=auth).json]
    assert pages == 3 and seen == everyone and len(set(seen)) == 7


def test_the_next_link_is_relative_whatever_host_the_client_claims(acme):
    client, slug, auth = acme
    response = client.get(f"/api/v1/orgs/{slug}/members?limit=1",
                          headers=auth | {"Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert NEXT.match(response.headers["Link"]) and "evil" not in response.headers["Link"]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "limit=-1",
                                   "cursor=" + "A" * 201])
def test_a_limit_or_cursor_outside_the_documented_bounds_is_a_clear_422(acme, query):
    client, slug, auth = acme
    response = client.get(f"/api/v1/orgs/{slug}/members?{query}", headers=auth)
    assert response.status_code == 422, (query, response.json)
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("cursor", ["%00%ff", "not-a-cursor", "c2VxfDE", "bWVtYmVyfHh8eQ"])
def test_a_cursor_the_server_did_not_issue_is_a_400(acme, cursor):
    client, slug, auth = acme
    response = client.get(f"/api/v1/orgs/{slug}/members?cursor={cursor}", headers=auth)
    assert response.status_code == 400, (cursor, response.json)
    assert response.json["code"] == "invalid_cursor"
    assert response.mimetype == "application/problem+json"
