"""OpenTelemetry (OTEL_EXPORTER_OTLP_ENDPOINT): a span per request, by route template, and one
per SQL statement; kept in memory here instead of exported."""

from __future__ import annotations

import attrs
import pytest
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from entrypoints import tracing
from entrypoints.http.app import create_app
from tests.fixtures.app import memory_container, postgres_container_on_own_pool


@pytest.fixture
def spans(monkeypatch):
    exporter, providers = InMemorySpanExporter(), []
    start = tracing.start

    def kept(app, **options):
        providers.append(start(app, exporter=exporter, **options))

    monkeypatch.setattr(tracing, "start", kept)

    def finished():
        for provider in providers:
            provider.force_flush()
        return exporter.get_finished_spans()

    yield finished
    PsycopgInstrumentor().uninstrument()


def _traced(container):
    container.settings.override(attrs.evolve(container.settings(),
                                              otel_endpoint="http://collector.test:4318"))
    return create_app(container).test_client()


def test_a_request_is_a_span_named_by_its_route(spans):
    client = _traced(memory_container())
    assert client.get("/api/v1/system/info").status_code == 200
    assert client.get("/health").status_code == 200  # probes make no spans
    [span] = spans()
    assert span.name == "GET /api/v1/system/info"
    assert span.attributes["http.route"] == "/api/v1/system/info"
    assert not PsycopgInstrumentor().is_instrumented_by_opentelemetry  # no database here


@pytest.mark.postgres
def test_a_statement_is_a_span_within_its_request(spans, pg_urls):
    container, engine = postgres_container_on_own_pool(pg_urls)
    try:
        assert _traced(container).get("/ready").status_code == 200
        assert _traced(container).get("/ready").status_code == 200  # instrumented once only
    finally:
        engine.dispose()
    found = spans()
    requests = {span.context.trace_id for span in found if span.name == "GET /ready"}
    statements = [span for span in found if span.attributes.get("db.system") == "postgresql"
                  or span.attributes.get("db.system.name") == "postgresql"]
    assert len(requests) == 2 and statements
    assert {span.context.trace_id for span in statements} <= requests  # within a request


def test_without_an_exporter_given_spans_go_over_otlp_http(monkeypatch):
    from flask import Flask
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
    app = Flask("traced")
    provider = tracing.start(app, database=False)
    try:
        [processor] = provider._active_span_processor._span_processors
        assert isinstance(processor._batch_processor._exporter, OTLPSpanExporter)
    finally:
        provider.shutdown()
        FlaskInstrumentor().uninstrument_app(app)
