"""Errors of the request and the session rather than of the business: where a credential or a
tenant binding is missing, or a caller is throttled. The HTTP edge maps them like domain errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from application.ports.rate_limits import Window


class TenantContextMissing(DomainError):
    """A tenant-scoped read or write was attempted with no organization bound."""

    code = "tenant_context_missing"


class Unauthenticated(DomainError):
    """A missing, malformed, expired or revoked credential. Never says which."""

    code = "unauthenticated"


class TooManyAttempts(DomainError):
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class RateLimited(TooManyAttempts):
    """An org (or an API key) past its requests per minute; `window` says by how much."""

    code = "rate_limited"

    def __init__(self, window: Window) -> None:
        super().__init__(f"more than {window.limit} requests a minute: slow down, or move to "
                         "a larger plan", retry_after=window.reset_in)
        self.window = window


class InvalidCursor(InvalidInput):
    """A page cursor that this server did not issue (or that was tampered with): a malformed
    request (400), not a field a person filled in wrongly."""

    code = "invalid_cursor"


class MailNotSent(DomainError):
    """The mail server refused the message or could not be reached, after a retry. What the
    mail was about is saved already; sending it again (resending an invitation, asking for a
    new link) is safe."""

    code = "mail_not_sent"
    retry_after = 60
