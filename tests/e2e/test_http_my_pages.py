"""Every list pages the same way: `limit`, a `Link` to the next page with its cursor, a stable
order, each item once; a cursor of another list or a made-up one is a 400 problem."""

from __future__ import annotations

import re

import pytest

from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD
from tests.fixtures.app import set_password as _set_password


@pytest.fixture
def signed_in(any_container, operator, unique_slug):
    slug = unique_slug("pages")
    email = f"owner@{slug}.test"
    any_container.application.organizations().create(CreateOrganization(
        name="Pages", slug=slug, owner_email=email, actor=operator))
    _set_password(any_container, email)
    client = create_app(any_container).test_client()

    def login():
        return client.post("/api/v1/auth/login", json={
            "email": email, "password": PASSWORD, "org": slug}).json["access_token"]

    return client, slug, login


def _walk(client, url, headers):
    """Every item of a list, following its Link headers; and how many pages it took."""
    items, pages = [], 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.json
        items += response.json
        pages += 1
        link = response.headers.get("Link")
        url = re.match(r"<([^>]+)>", link).group(1) if link else None
    return items, pages


def test_api_keys_sessions_and_orgs_page_with_links(signed_in, unique_slug):
    client, slug, login = signed_in
    token = login()
    headers = {"Authorization": f"Bearer {token}"}
    for name in ("k1", "k2", "k3"):
        created = client.post(f"/api/v1/orgs/{slug}/api-keys", headers=headers,
                              json={"name": name, "scopes": ["org:read"]})
        assert created.status_code == 201
    keys, pages = _walk(client, f"/api/v1/orgs/{slug}/api-keys?limit=2", headers)
    assert [k["name"] for k in keys] == ["k1", "k2", "k3"] and pages == 2

    for _ in range(2):
        login()
    sessions, pages = _walk(client, "/api/v1/me/sessions?limit=2", headers)
    assert len(sessions) == 3 and len({s["id"] for s in sessions}) == 3 and pages == 2
    created = [s["created_at"] for s in sessions]
    assert created == sorted(created, reverse=True)  # newest first
    assert [s["current"] for s in sessions].count(True) == 1

    others = sorted(unique_slug("z") for _ in range(2))
    for other in others:
        made = client.post("/api/v1/orgs", headers=headers, json={"name": "Z", "slug": other})
        assert made.status_code == 201, made.json
    orgs, pages = _walk(client, "/api/v1/me/orgs?limit=1", headers)
    assert [o["slug"] for o in orgs] == sorted([slug, *others]) and pages == 3


@pytest.mark.parametrize("path", ["/api/v1/me/sessions", "/api/v1/me/orgs",
                                  "/api/v1/orgs/{slug}/api-keys"])
@pytest.mark.parametrize("cursor", ["nonsense", "b3Jnc3x4", "0" * 200])
def test_a_made_up_or_foreign_cursor_is_a_400_problem(signed_in, path, cursor):
    client, slug, login = signed_in
    headers = {"Authorization": f"Bearer {login()}"}
    response = client.get(path.format(slug=slug), query_string={"cursor": cursor},
                          headers=headers)
    if path.endswith("/orgs") and cursor == "b3Jnc3x4":  # "orgs|x": a real cursor shape
        assert response.status_code == 200 and response.json == []  # none after slug "x"
        return
    assert response.status_code == 400 and response.json["code"] == "invalid_cursor"


@pytest.mark.parametrize("limit", ["0", "201", "-1", "a", "1e3"])
def test_limits_out_of_range_are_422(signed_in, limit):
    client, _, login = signed_in
    response = client.get("/api/v1/me/sessions", query_string={"limit": limit},
                          headers={"Authorization": f"Bearer {login()}"})
    assert response.status_code == 422 and response.content_type == "application/problem+json"


@pytest.mark.parametrize("path", ["/api/v1/me/sessions", "/api/v1/orgs/{slug}/members",
                                  "/api/v1/orgs/{slug}/audit"])
@pytest.mark.parametrize("limit", ["١", "５", "²"])
def test_a_limit_in_other_scripts_digits_is_422(signed_in, path, limit):
    client, slug, login = signed_in
    response = client.get(path.format(slug=slug), query_string={"limit": limit},
                          headers={"Authorization": f"Bearer {login()}"})
    assert response.status_code == 422 and response.content_type == "application/problem+json"
