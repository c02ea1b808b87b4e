"""What the client sends through the HTTP API, and how its answers are checked."""

from __future__ import annotations

from features.authentication_steps.world import INVALID_TOKEN, Signin, World
from tests.fixtures.app import PASSWORD

PROBLEM_JSON = "application/problem+json"


def sign_in(world: World, who: str, *, org: str | None = None, password: str = PASSWORD,
            email: str | None = None):
    body = {"email": email or world.person(who).email, "password": password}
    if org is not None:
        body["org"] = world.tenant(org).slug
    return world.call("POST", "/api/v1/auth/login", json=body)


def open_session(world: World, who: str, *, org: str | None = None, key: str | None = None) -> Signin:
    response = sign_in(world, who, org=org)
    assert response.status_code == 200, response.get_json()
    signin = Signin(who=who, pairs=[response.get_json()])
    world.signins[key or who] = signin
    return signin


def access_token(world: World, key: str) -> str:
    return world.signins[key].latest["access_token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def read_org(world: World, label: str, token: str):
    return world.call("GET", f"/api/v1/orgs/{world.tenant(label).slug}", token=token)


def comparable(response) -> tuple:
    """What a client can tell apart: status, type, challenge and body; never the request id."""
    return (response.status_code, response.content_type, response.headers.get("WWW-Authenticate"),
            response.headers.get("Retry-After"), response.get_json())


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.content_type == PROBLEM_JSON
    body = response.get_json()
    assert body["status"] == status and body["title"]
    return body


def assert_unauthenticated(response, detail: str | tuple[str, ...] = INVALID_TOKEN) -> None:
    body = assert_problem(response, 401)
    assert body["detail"] in ((detail,) if isinstance(detail, str) else detail)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
