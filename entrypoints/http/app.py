"""The Flask application factory."""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Flask, send_from_directory
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from entrypoints import error_tracking, tracing
from entrypoints.container import Container, build_container
from entrypoints.http import (
    api_keys,
    audit,
    auth,
    downloads,
    exports,
    invitations,
    me,
    observability,
    orgs,
    support,
    system,
    two_factor,
)
from entrypoints.http.problems import ProblemApi, register_problem_handlers
from entrypoints.http.retries import retry_transient_conflicts
from entrypoints.http.settings_schema import documented_json_schema

SWAGGER_ASSETS = Path(flask_swagger_ui.__file__).parent / "dist"
MAX_BODY_BYTES = 1024 * 1024


def create_app(container: Container | None = None) -> Flask:
    container = container or build_container()
    app = Flask("groundwork")
    app.config.update(
        API_TITLE="Groundwork",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        JSON_SORT_KEYS=False,
    )
    app.container = container
    app.config["API_SPEC_OPTIONS"] = {"servers": [{"url": "/", "description": "This server"}]}
    api = ProblemApi(app)
    api.ma_plugin.converter.add_attribute_function(documented_json_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                       "description": "An access token from login, signup or refresh"})
    api.spec.components.security_scheme(
        "apiKeyAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "gw_<prefix>_<secret>",
                       "description": "An organization's API key, sent as a bearer token"})
    for blueprint in (system.blp, auth.blp, me.blp, orgs.blp, audit.blp, api_keys.blp,
                      invitations.blp, two_factor.blp, downloads.blp, exports.blp,
                      support.blp):
        api.register_blueprint(blueprint)
    register_problem_handlers(app)
    retry_transient_conflicts(app)
    app.add_url_rule("/docs/assets/<path:filename>", "swagger_assets",
                     lambda filename: send_from_directory(SWAGGER_ASSETS, filename))
    observability.install(app, container)
    if container.settings().sentry_dsn:
        error_tracking.start(container.settings().sentry_dsn)
    if container.settings().otel_endpoint:
        tracing.start(app, database=container.settings().backend == "postgres")
    origins = container.settings().cors_origins
    if origins:  # browsers on these origins may call the API with a bearer token; no cookies
        CORS(app, resources={r"/api/*": {"origins": list(origins)}}, supports_credentials=False,
             allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
             expose_headers=["Link", "Retry-After", "X-Request-ID", "RateLimit-Limit",
                            "RateLimit-Remaining", "RateLimit-Reset"], max_age=600)
    hops = container.settings().trusted_proxies
    if hops:  # the client's address from the last `hops` entries of X-Forwarded-For, no more
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
    return app
