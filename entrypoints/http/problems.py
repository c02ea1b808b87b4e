"""RFC 9457 problem details for every error: HTTP, validation, domain, and the unexpected."""

from __future__ import annotations

import http
import uuid

import sentry_sdk
import structlog
from flask import Flask, Response, g, json
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema, fields
from werkzeug.exceptions import HTTPException

from adapters.postgres.outages import database_unavailable, transient_conflict
from application.errors import (
    InvalidCursor,
    MailNotSent,
    RateLimited,
    TenantContextMissing,
    TooManyAttempts,
    Unauthenticated,
)
from application.ports.object_store import ObjectStoreUnavailable
from domain.errors import Conflict, DomainError, Forbidden, InvalidInput, InvariantViolated, NotFound

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 2  # a database restarting is back in seconds
STORE_RETRY_AFTER_SECONDS = 30  # an object store, in its own time
_log = structlog.get_logger("groundwork.http")


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error response carries them."""

    type = fields.String(required=True, metadata={"format": "uri"})
    title = fields.String(required=True, metadata={"description": "A short, human summary"})
    status = fields.Integer(required=True)
    detail = fields.String(metadata={"description": "What went wrong in this occurrence"})
    instance = fields.String()
    code = fields.String(metadata={"description": "A stable, machine-readable reason"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "For 422 (and a 400 body): messages per field"})
    request_id = fields.String(metadata={"description": "For 500: quote it when reporting"})
    limit = fields.String(metadata={"description": "For `quota_exceeded`: the limit reached"})
    allowed = fields.Integer(metadata={"description": "For `quota_exceeded`: what it allows"})

    class Meta:
        title = "Problem"
        unknown = INCLUDE  # RFC 9457 extension members, e.g. a 409's `dependencies`


class ProblemApi(Api):
    """flask-smorest's Api whose standard error responses are problem+json with ProblemSchema."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        for status in http.HTTPStatus:
            if status >= 400:
                self._register_problem(status.name, status.phrase)
        self._register_problem("DEFAULT_ERROR", "Any other problem")

    def _register_problem(self, name: str, description: str) -> None:
        response = {"description": description, "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(name, response, lazy=True)

    def _register_pagination_header(self):
        """None: the API pages with cursors of its own (a Link header, `next_cursor`), so
        flask-smorest's X-Pagination header and its PaginationMetadata schema would be
        components that nothing uses."""

# One table maps each error to its status and a title for people (the first class that
# matches decides).
STATUS_OF: dict[type[DomainError], tuple[int, str]] = {
    InvalidCursor: (400, "The page cursor is not one this server gave out"),
    NotFound: (404, "Not found"),
    Unauthenticated: (401, "Authentication failed"),
    RateLimited: (429, "Too many requests"),
    TooManyAttempts: (429, "Too many attempts"),
    Conflict: (409, "In conflict with what exists"),
    Forbidden: (403, "Not allowed"),
    InvalidInput: (422, "The request has invalid fields"),
    InvariantViolated: (409, "Not allowed by the rules of the organization"),
    MailNotSent: (503, "The mail could not be sent"),
    TenantContextMissing: (500, "Internal server error"),
}


def problem(status: int, title: str, detail: str | None = None, *, code: str | None = None,
            **extra) -> Response:
    body = {"type": f"https://groundwork.dev/problems/{code or status}", "title": title,
            "status": status}
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def _from_http(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages and status == 400:
        response = problem(status, "The request body is not acceptable JSON",
                           "the body could not be read", code="malformed_body",
                           errors=_flatten(messages))
    elif messages:
        response = problem(status, "The request has invalid fields", "see `errors`",
                           code="validation_failed", errors=_flatten(messages))
    else:
        response = problem(status, error.name, data.get("message") or error.description)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response


def _flatten(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests messages by location and field; clients want one path per field."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        location = key in ("json", "query", "path", "headers", "form") and not prefix
        if location and isinstance(value, dict):
            flat.update(_flatten(value, ""))
            continue
        path = "body" if location else f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, path))
        else:
            flat[path] = [str(m) for m in value]
    return flat


def _from_domain(error: DomainError) -> Response:
    status, title = next((found for cls, found in STATUS_OF.items() if isinstance(error, cls)),
                         (400, "Bad request"))
    if status == 500:
        return _unexpected(error)
    extra = {"errors": error.errors} if isinstance(error, InvalidInput) and error.errors else {}
    extra.update({k: v for k, v in error.details.items()})
    response = problem(status, title, error.message, code=error.code, **extra)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="groundwork"'
    if isinstance(error, TooManyAttempts | MailNotSent):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _unexpected(error: Exception) -> Response:
    if database_unavailable(error) or transient_conflict(error):
        return _unavailable(error)
    if isinstance(error, ObjectStoreUnavailable):
        return _store_unavailable(error)
    request_id = getattr(g, "request_id", None) or str(uuid.uuid4())
    _log.exception("unhandled_error", error_type=type(error).__name__, request_id=request_id)
    sentry_sdk.capture_exception(error)  # handled here, so Sentry's Flask hook never sees it
    return problem(500, "Internal Server Error",
                   "something went wrong on our side; quote the request id if you report it",
                   code="internal_error", request_id=request_id)


def _unavailable(error: Exception) -> Response:
    """The database out of reach (stopped, restarting, full): try again shortly; not a bug."""
    _log.warning("database_unavailable", error_type=type(error).__name__)
    response = problem(503, "Service unavailable", "the database cannot be reached just now; "
                       "try again shortly", code="database_unavailable")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _store_unavailable(error: ObjectStoreUnavailable) -> Response:
    """The object store out of reach (or refusing): try again later; not a bug."""
    _log.warning("object_store_unavailable", reason=str(error)[:200])
    response = problem(503, "Service unavailable", "the object store cannot be reached just now; "
                       "try again later", code="object_store_unavailable")
    response.headers["Retry-After"] = str(STORE_RETRY_AFTER_SECONDS)
    return response


def register_problem_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(DomainError, _from_domain)
    app.register_error_handler(Exception, _unexpected)
