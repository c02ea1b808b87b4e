"""The HTTP edge: health, readiness, docs, and problem+json for every error."""

import json
import re

import attrs
import pytest

from entrypoints.config import Settings
from entrypoints.container import build_container
from entrypoints.http.app import MAX_BODY_BYTES, create_app
from tests.fixtures.app import memory_container


@pytest.fixture
def client():
    return create_app(memory_container()).test_client()


def test_health_answers(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_reports_the_database_with_its_latency(pg_container):
    response = create_app(pg_container).test_client().get("/ready")
    assert response.status_code == 200
    assert response.json["checks"]["database"]["status"] == "ok"
    assert response.json["checks"]["database"]["latency_ms"] >= 0


def test_ready_is_503_when_the_database_is_down():
    from adapters.postgres.server import DatabaseUrls

    container = build_container(Settings.from_env({"GROUNDWORK_BACKEND": "postgres"}))
    container.adapters.database_urls.override(
        DatabaseUrls.for_server("postgresql://nobody@127.0.0.1:1/nothing"))
    response = create_app(container).test_client().get("/ready")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["database"]["status"] == "down"


def test_openapi_and_swagger_ui_are_served(client):
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and spec.json["openapi"].startswith("3.1")
    assert {"/health", "/ready", "/api/v1/system/info"} <= set(spec.json["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.data
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_system_info_names_the_service(client):
    info = client.get("/api/v1/system/info").json
    assert info["name"] == "groundwork" and info["version"]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/no/such/thing", 404), ("post", "/health", 405), ("delete", "/ready", 405)])
def test_errors_are_problem_details(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == status and response.json["title"]


def test_an_unexpected_error_is_a_500_with_a_request_id_and_no_internals():
    app = create_app(memory_container())

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 500
    assert response.json["request_id"] == "req-123"
    assert b"secret internals" not in response.data
    assert response.headers["X-Request-ID"] == "req-123"


def _login_body(size: int) -> bytes:
    """A well-formed sign-in body padded with whitespace to exactly `size` bytes."""
    body = json.dumps({"email": "nobody@example.test", "password": "not the passphrase"}).encode()
    return body + b" " * (size - len(body))


def test_an_oversized_body_is_refused_with_a_413_problem(client):
    response = client.post("/api/v1/auth/login", data=_login_body(MAX_BODY_BYTES + 1),
                           content_type="application/json")
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 413 and response.json["title"]


def test_a_body_at_the_limit_is_read(client):
    response = client.post("/api/v1/auth/login", data=_login_body(MAX_BODY_BYTES),
                           content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("given", ["x" * 65, "evil\tid", "a b", "ümlaut", ""])
def test_a_request_id_that_is_not_tame_is_replaced_not_echoed(client, given):
    response = client.get("/health", headers={"X-Request-ID": given})
    echoed = response.headers["X-Request-ID"]
    assert echoed != given and len(echoed) == 36  # a fresh UUID


def test_every_answer_says_no_store_and_nosniff(client):
    for response in (client.get("/health"), client.get("/api/v1/me"),
                     client.post("/api/v1/auth/login", json={})):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_document_names_every_operation_and_documents_its_problems(client):
    spec = client.get("/openapi.json").json
    operations = [(path, method, op) for path, ops in spec["paths"].items()
                  for method, op in ops.items() if method in ("get", "post", "patch", "delete")]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids)) == len(operations)
    responses = spec["components"]["responses"]
    for path, method, op in operations:
        assert "security" in op, (method, path)
        for status, answer in op["responses"].items():
            if (path, status) == ("/ready", "503"):
                continue  # a probe's answer: which dependency is down, as the 200 says it is up
            if status.startswith(("4", "5")) or status == "default":
                answer = responses[answer["$ref"].rsplit("/", 1)[-1]] if "$ref" in answer else answer
                assert list(answer["content"]) == ["application/problem+json"], (method, path, status)
        if op["security"]:
            assert "401" in op["responses"], (method, path)
        if "requestBody" in op:
            assert {"400", "413", "415", "422"} <= set(op["responses"]), (method, path)


def test_the_document_keeps_the_rules_of_redoclys_recommended_lint(client):
    """What `redocly lint --extends recommended` checks, and what this document once broke, checked
    without node: servers; per operation a summary, a URL-safe id, a 2xx and a 4xx answer, and only
    defined security schemes; no component that nothing uses; a distinct name for each value of an
    enum that names its values (generators fail on two values with one name)."""
    spec = client.get("/openapi.json").json
    assert spec["servers"]
    schemes = spec["components"]["securitySchemes"]
    required = set()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            assert op["summary"] and re.fullmatch(r"[\w.~-]+", op["operationId"]), (method, path)
            assert {status[0] for status in op["responses"]} >= {"2", "4"}, (method, path)
            required |= {name for requirement in op["security"] for name in requirement}
    assert required == set(schemes)
    text = json.dumps(spec)
    for kind, components in spec["components"].items():
        unused = [name for name in components
                  if kind != "securitySchemes" and f'"#/components/{kind}/{name}"' not in text]
        assert not unused, kind
    for node in _objects(spec):
        if "x-enum-varnames" in node:
            assert len(set(node["x-enum-varnames"])) == len(node["enum"])


def _objects(node):
    """Every JSON object in the document, depth first."""
    if isinstance(node, dict):
        yield node
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            yield from _objects(child)


@pytest.mark.parametrize("operation", ["get_members", "get_audit_log"])
def test_the_lists_that_take_a_cursor_document_the_400_for_a_foreign_one(operation):
    document = create_app(build_container(Settings.from_env({"GROUNDWORK_BACKEND": "memory"}))
                          ).test_client().get("/openapi.json").json
    operations = {op["operationId"]: op for path in document["paths"].values()
                  for op in path.values() if isinstance(op, dict) and "operationId" in op}
    answer = operations[operation]["responses"]["400"]
    assert "application/problem+json" in answer["content"]


@pytest.mark.parametrize(("hops", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.9"),
                                            (2, "198.51.100.1")])
def test_the_client_address_is_read_from_forwarded_for_only_as_far_as_trusted(hops, seen):
    container = memory_container()
    container.settings.override(attrs.evolve(container.settings(), trusted_proxies=hops))
    client = create_app(container).test_client()
    client.post("/api/v1/auth/login", json={"email": "nobody@x.test", "password": "not it at all"},
                headers={"X-Forwarded-For": "192.0.2.66, 198.51.100.1, 203.0.113.9"})
    with container.adapters.unit_of_work() as uow:
        [failure] = uow.sign_in_failures.recent(limit=1)
    assert failure.ip == seen  # never the leftmost entry, which the client wrote itself


@pytest.mark.parametrize("value", ["-1", "6", "two", "1.5"])
def test_a_bad_trusted_proxies_setting_is_refused_with_its_name(value):
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        Settings.from_env({"TRUSTED_PROXIES": value})


def _cors_client(origins: str):
    container = memory_container()
    container.settings.override(attrs.evolve(container.settings(),
                                             cors_origins=Settings.from_env(
                                                 {"CORS_ORIGINS": origins}).cors_origins))
    return create_app(container).test_client()


def test_a_browser_on_an_allowed_origin_may_call_the_api_and_no_other_may():
    client = _cors_client("https://app.example.com, https://admin.example.com/")
    preflight = client.options("/api/v1/me", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    answer = client.get("/api/v1/me", headers={"Origin": "https://admin.example.com"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"
    assert "Link" in answer.headers["Access-Control-Expose-Headers"]
    stranger = client.get("/api/v1/me", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_without_cors_origins_no_browser_origin_is_allowed():
    answer = create_app(memory_container()).test_client().get(
        "/api/v1/me", headers={"Origin": "https://app.example.com"})
    assert "Access-Control-Allow-Origin" not in answer.headers


@pytest.mark.parametrize("origins", ["*", "https://*.example.com", "app.example.com",
                                     "https://app.example.com/path", "ftp://x.example.com"])
def test_a_cors_origin_that_is_not_an_exact_origin_is_refused(origins):
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        Settings.from_env({"CORS_ORIGINS": origins})
