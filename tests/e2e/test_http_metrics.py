"""GET /metrics over the Flask test client: what it counts, by route template and never by org or
person; its token; METRICS_PORT moving it away; and the request log line."""

from __future__ import annotations

import attrs
import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families

from application.organizations import CreateOrganization
from entrypoints.config import Settings
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, memory_container, set_password


def scrape(client, **headers) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    assert response.content_type.startswith("text/plain; version=0.0.4")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _with(container, **changes):
    container.settings.override(attrs.evolve(container.settings(), **changes))
    return container


@pytest.fixture
def world(operator, unique_slug):
    container = memory_container()
    slug = unique_slug()
    container.application.organizations().create(CreateOrganization(
        name=slug, slug=slug, owner_email=f"owner@{slug}.test", actor=operator))
    set_password(container, f"owner@{slug}.test")
    return container, slug


def _login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_requests_are_counted_by_route_template_method_and_status(world):
    container, slug = world
    client = create_app(container).test_client()
    before = scrape(client)
    token = _login(client, f"owner@{slug}.test").json["access_token"]
    client.get(f"/api/v1/orgs/{slug}", headers={"Authorization": f"Bearer {token}"})
    client.get("/no/such/thing")
    after = scrape(client)
    route = {"route": "/api/v1/orgs/<slug>", "method": "GET", "status": "200"}
    assert value(after, "groundwork_http_requests_total", **route) - \
        value(before, "groundwork_http_requests_total", **route) == 1
    assert value(after, "groundwork_http_request_duration_seconds_count", **route) >= 1
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    assert value(after, "groundwork_http_requests_total", **unmatched) >= 1
    names = " ".join(f"{name}{sorted(labels)}" for name, labels in after)
    assert slug not in names and "owner@" not in names  # no org, no person, no raw path


def test_logins_throttling_and_quota_refusals_are_counted(world, operator):
    container, slug = world
    client = create_app(container).test_client()
    before = scrape(client)
    token = _login(client, f"owner@{slug}.test").json["access_token"]
    statuses = [_login(client, f"owner@{slug}.test", "wrong but long enough").status_code
                for _ in range(11)]
    assert 401 in statuses and statuses[-1] == 429
    container.application.quotas().override(slug, "api_keys", 0, operator)
    refused = client.post(f"/api/v1/orgs/{slug}/api-keys",
                          json={"name": "ci", "scopes": ["org:read"]},
                          headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 409 and refused.json["code"] == "quota_exceeded"
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("groundwork_logins_total", outcome="success") == 1
    assert grew("groundwork_logins_total", outcome="failure") == statuses.count(401)
    assert grew("groundwork_logins_total", outcome="throttled") == statuses.count(429)
    assert grew("groundwork_http_throttled_total", route="/api/v1/auth/login") == statuses.count(429)
    assert grew("groundwork_quota_refusals_total", limit="api_keys") == 1
    assert grew("groundwork_audit_appends_total", action="auth.login") == 1
    assert grew("groundwork_audit_appends_total", action="auth.login_failed") == \
        statuses.count(401)


def test_a_conflict_that_is_no_quota_is_not_counted_as_one(world):
    container, slug = world
    client = create_app(container).test_client()
    before = scrape(client)
    token = _login(client, f"owner@{slug}.test").json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"email": f"owner@{slug}.test", "role": "member"}
    answer = client.post(f"/api/v1/orgs/{slug}/members", json=body, headers=headers)
    assert answer.status_code == 409 and answer.json["code"] != "quota_exceeded"
    after = scrape(client)

    def refusals(samples):
        return sum(v for (name, _), v in samples.items() if name == "groundwork_quota_refusals_total")

    assert refusals(after) == refusals(before)


def test_the_database_pool_and_job_queue_are_read_at_scrape_time(pg_container):
    client = create_app(pg_container).test_client()
    before = scrape(client)
    assert client.get("/api/v1/orgs/nothing").status_code == 401  # no connection needed
    client.post("/api/v1/auth/login", json={"email": "nobody@example.test", "password": "x" * 12})
    samples = scrape(client)
    waits = "groundwork_db_pool_wait_seconds_count"
    assert value(samples, waits) > value(before, waits)  # each unit of work's wait is observed
    assert value(samples, "groundwork_database_up") == 1
    assert ("groundwork_db_pool_in_use", frozenset()) in samples
    assert ("groundwork_db_pool_overflow", frozenset()) in samples
    assert value(samples, "groundwork_jobs_waiting") >= 0
    assert value(samples, "groundwork_jobs_oldest_age_seconds") >= 0


def test_a_database_that_is_down_is_exported_as_down_with_no_job_figures():
    from adapters.postgres.server import DatabaseUrls
    from entrypoints.container import build_container

    container = build_container(Settings.from_env({"GROUNDWORK_BACKEND": "postgres"}))
    container.adapters.database_urls.override(
        DatabaseUrls.for_server("postgresql://nobody@127.0.0.1:1/nothing"))
    samples = scrape(create_app(container).test_client())
    assert value(samples, "groundwork_database_up") == 0
    assert ("groundwork_jobs_waiting", frozenset()) not in samples


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic c2VjcmV0LXRva2Vu",
                                           "Bearer", "secret-token-for-metrics"])
def test_with_a_token_set_a_scrape_without_it_is_refused(authorization):
    client = create_app(_with(memory_container(),
                              metrics_token="secret-token-for-metrics")).test_client()
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "metrics_token_required"
    assert b"groundwork_" not in response.data
    assert scrape(client, Authorization="Bearer secret-token-for-metrics")


def test_with_a_metrics_port_the_api_port_has_no_metrics():
    client = create_app(_with(memory_container(), metrics_port=9464)).test_client()
    assert client.get("/metrics").status_code == 404


def test_metrics_are_not_in_the_openapi_document():
    spec = create_app(memory_container()).test_client().get("/openapi.json").json
    assert "/metrics" not in spec["paths"]


def test_the_request_log_line_names_the_request_the_caller_and_the_route(world):
    container, slug = world
    client = create_app(container).test_client()
    token = _login(client, f"owner@{slug}.test").json["access_token"]
    with structlog.testing.capture_logs() as logs:
        client.get(f"/api/v1/orgs/{slug}", headers={"Authorization": f"Bearer {token}",
                                                    "X-Request-ID": "trace-42"})
        client.get(f"/api/v1/orgs/{slug}", headers={"Authorization": "Bearer gw_abcd1234_nope"})
    by_session, by_key = [line for line in logs if line["event"] == "request"]
    assert by_session["request_id"] == "trace-42"
    assert by_session["route"] == "/api/v1/orgs/<slug>" and by_session["status"] == 200
    assert by_session["org_id"] and by_session["user_id"] and by_session["duration_ms"] >= 0
    assert "key_id" not in by_session
    assert by_key["key_id"] == "abcd1234" and "nope" not in str(by_key)
    assert "org_id" not in by_key and by_key["status"] == 401


@pytest.mark.parametrize("hostile", ["x" * 65, "id\"; drop table", "id\x7f", "<script>", "a b"])
def test_a_hostile_request_id_is_replaced_in_the_answer_and_the_log(hostile):
    client = create_app(memory_container()).test_client()
    with structlog.testing.capture_logs() as logs:
        response = client.get("/health", headers={"X-Request-ID": hostile})
    echoed = response.headers["X-Request-ID"]
    assert echoed != hostile and len(echoed) == 36
    assert logs[-1]["request_id"] == echoed
