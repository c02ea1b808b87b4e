"""Organization slugs: URL-safe, normalised, never a reserved word."""

from __future__ import annotations

import re

from domain.errors import Conflict, InvalidInput

MIN_LENGTH = 3
MAX_LENGTH = 63
_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED = frozenset(
    {
        "admin", "administrator", "api", "app", "auth", "billing", "dashboard", "docs",
        "groundwork", "health", "help", "internal", "login", "logout", "me", "metrics",
        "new", "openapi", "orgs", "ready", "root", "settings", "signup", "static",
        "status", "support", "system", "www",
    }
)


def normalise_slug(raw: str) -> str:
    """Trim, lower-case and validate; the result is the canonical slug. A reserved word is well
    formed but not available, as a taken slug is (409, not 422)."""
    slug = (raw or "").strip().lower()
    if slug in RESERVED:
        raise Conflict(f"the slug {slug!r} is reserved", code="slug_unavailable")
    problem = slug_problem(slug)
    if problem:
        raise InvalidInput(f"invalid slug {slug!r}: {problem}", code="invalid_slug",
                           errors={"slug": [problem]})
    return slug


def slug_problem(slug: str) -> str | None:
    if not MIN_LENGTH <= len(slug) <= MAX_LENGTH:
        return f"must be {MIN_LENGTH} to {MAX_LENGTH} characters long"
    if not _PATTERN.match(slug):
        return ("may contain only lowercase letters, digits and single hyphens, "
                "and may not start or end with a hyphen")
    if slug in RESERVED:
        return "is a reserved word"
    return None
