"""One small hierarchy of domain errors; each carries a stable machine-readable code."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Forbidden(DomainError):
    code = "forbidden"


class InvariantViolated(DomainError):
    code = "invariant_violated"


class InvalidInput(DomainError):
    """Input that breaks a domain rule; `errors` maps each field path to its reasons."""

    code = "invalid_input"

    def __init__(self, message: str, *, code: str | None = None, errors: dict | None = None) -> None:
        super().__init__(message, code=code)
        self.errors = errors or {}
