"""RFC 9457 problem details for every error: HTTP, validation, domain, and the unexpected."""

from __future__ import annotations

import uuid

import structlog
from flask import Flask, Response, g, json
from werkzeug.exceptions import HTTPException

from application.errors import TenantContextMissing, TooManyAttempts, Unauthenticated
from domain.errors import Conflict, DomainError, Forbidden, InvalidInput, InvariantViolated, NotFound

PROBLEM_JSON = "application/problem+json"
_log = structlog.get_logger("groundwork.http")

# One table maps each domain error to its status.
STATUS_OF: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    TooManyAttempts: 429,
    Conflict: 409,
    Forbidden: 403,
    InvalidInput: 422,
    InvariantViolated: 409,
    TenantContextMissing: 500,
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
    if messages:
        errors = _flatten(messages)
        response = problem(status, "Validation failed", "the request has invalid fields",
                           code="validation_failed", errors=errors)
    else:
        response = problem(status, error.name, error.description, code=None)
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
    status = next((s for cls, s in STATUS_OF.items() if isinstance(error, cls)), 400)
    if status >= 500:
        return _unexpected(error)
    extra = {"errors": error.errors} if isinstance(error, InvalidInput) and error.errors else {}
    extra.update({k: v for k, v in error.details.items()})
    response = problem(status, type(error).__name__.replace("_", " "), error.message,
                       code=error.code, **extra)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="groundwork"'
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _unexpected(error: Exception) -> Response:
    request_id = getattr(g, "request_id", None) or str(uuid.uuid4())
    _log.exception("unhandled_error", error_type=type(error).__name__, request_id=request_id)
    return problem(500, "Internal Server Error",
                   "something went wrong on our side; quote the request id if you report it",
                   code="internal_error", request_id=request_id)


def register_problem_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(DomainError, _from_domain)
    app.register_error_handler(Exception, _unexpected)
