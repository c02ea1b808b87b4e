"""The API as a developer sees it: one error format, and documentation of the tokens."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from features.authentication_steps.client import access_token, assert_problem, sign_in
from features.authentication_steps.roles_and_membership import ACTIONS
from features.authentication_steps.world import WRONG_PASSWORD
from tests.fixtures.app import PASSWORD

REQUESTS = {
    "a sign-in whose body is not JSON": lambda w: w.call(
        "POST", "/api/v1/auth/login", data='{"email": "ann@', content_type="application/json"),
    "a sign-in without a password": lambda w: w.call(
        "POST", "/api/v1/auth/login", json={"email": w.person("Ann").email}),
    "a sign-in with a wrong password": lambda w: sign_in(w, "Ann", password=WRONG_PASSWORD),
    "Ann's request to rename acme": lambda w: ACTIONS["rename"](
        w, w.tenant("acme").slug, access_token(w, "Ann")),
    "Ann's request for an organization nobody has": lambda w: w.call(
        "GET", f"/api/v1/orgs/{w.unique_slug('nobody')}", token=access_token(w, "Ann")),
}


@when(parsers.parse("the client sends {request}"))
def client_sends(world, request):
    REQUESTS[request](world)


@then(parsers.parse('the answer is a problem document with the status {status:d} and the code "{code}"'))
def problem_document(world, status, code):
    body = assert_problem(world.last, status)
    assert body["code"] == code
    assert body["type"].startswith("https://") and body["detail"]


@then("it shows no stack trace and no password")
def no_stack_trace(world):
    text = world.last.get_data(as_text=True)
    assert "Traceback" not in text and ".py" not in text
    assert PASSWORD not in text and WRONG_PASSWORD not in text


@when("a developer opens the API documentation")
def opens_docs(world):
    world.call("GET", "/docs")


@then(parsers.parse('it is served at "{path}"'))
def docs_served(world, path):
    assert world.last.status_code == 200
    assert world.last.request.path == path
    assert "swagger" in world.last.get_data(as_text=True).lower()


@then("sign-in, refresh and sign-out are documented, sign-in with its 401 answer")
def auth_documented(world):
    paths = world.call("GET", "/openapi.json").get_json()["paths"]
    assert {"/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"} <= set(paths)
    assert "401" in paths["/api/v1/auth/login"]["post"]["responses"]
    assert paths["/api/v1/auth/logout"]["post"]["security"] == [{"bearerAuth": []}]


@then("the organization and member routes ask for a Bearer token")
def routes_ask_for_bearer(world):
    spec = world.call("GET", "/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    org_routes = {path: ops for path, ops in spec["paths"].items() if path.startswith("/api/v1/orgs/")}
    assert "/api/v1/orgs/{slug}/members" in org_routes
    for path, ops in org_routes.items():
        for method, op in ops.items():
            if method in ("get", "post", "patch", "put", "delete"):
                assert op.get("security", [])[:1] == [{"bearerAuth": []}], (method, path)
