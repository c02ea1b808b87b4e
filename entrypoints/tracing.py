"""OpenTelemetry tracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set: a span per request (Flask)
and per SQL statement (psycopg, which every query passes through, the precompiled ones too).
The exporter reads the standard OTEL_* variables itself (endpoint, headers, service name)."""

from __future__ import annotations

from flask import Flask


def start(app: Flask, *, exporter=None, database: bool = True):
    """Trace this app; `exporter` replaces OTLP over HTTP (the tests keep spans in memory).
    The provider is returned, for a caller that wants to flush or shut it down."""
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "groundwork"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    # A statement's span holds its SQL, whose values are bound apart: never a value in a span.
    FlaskInstrumentor().instrument_app(app, tracer_provider=provider,
                                       excluded_urls="health,metrics")
    instrumentor = PsycopgInstrumentor()
    if database and not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider, enable_commenter=False)
    return provider
