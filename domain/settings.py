"""Organization settings: a JSON object validated against a small schema.

Known keys are checked; nested sections stay free-form so product modules can add their own.
Every error is reported with its path, all at once.
"""

from __future__ import annotations

import functools
import json
import math
import re
import zoneinfo
from typing import Any

from domain.currencies import ISO_4217
from domain.errors import InvalidInput
from domain.text import UNSAFE_TEXT_PROBLEM, unsafe_text

DEFAULT_SETTINGS: dict[str, Any] = {
    "default_currency": "EUR",
    "timezone": "UTC",
    "locale": "en",
}
MAX_SETTINGS_BYTES = 64 * 1024
MAX_SETTINGS_DEPTH = 4  # objects and arrays nested inside a key's value
MAX_KEY_LENGTH = 100
MAX_NUMBER = 2**63 - 1
LOCALE_PATTERN = r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?$"
_LOCALE = re.compile(LOCALE_PATTERN)


def _currency(value: Any) -> str | None:
    if not isinstance(value, str) or value not in ISO_4217:
        return "must be an ISO 4217 currency code such as EUR or USD"
    return None


@functools.cache
def time_zones() -> frozenset[str]:
    """The IANA time zone names this machine's tz database knows."""
    return frozenset(zoneinfo.available_timezones())


def _timezone(value: Any) -> str | None:
    if not isinstance(value, str) or value not in time_zones():
        return "must be an IANA time zone name such as Europe/Berlin"
    return None


def _locale(value: Any) -> str | None:
    if not isinstance(value, str) or not _LOCALE.match(value):
        return "must be a BCP 47 language tag such as en, de-DE or pt-BR"
    return None


def _percent(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        return "must be a number from 0 to 100"
    return None


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


# What an org may demand of its members: a second factor at sign-in; a confirmed email
# address before sensitive actions (inviting, changing roles, creating API keys).
REQUIRE_TWO_FACTOR = "require_two_factor"
REQUIRE_VERIFIED_EMAIL = "require_verified_email"

_RULES = {
    "default_currency": _currency,
    "timezone": _timezone,
    "locale": _locale,
    "price_tolerance_percent": _percent,
    REQUIRE_TWO_FACTOR: _boolean,
    REQUIRE_VERIFIED_EMAIL: _boolean,
}


def turned_on(settings: dict[str, Any], key: str) -> bool:
    return settings.get(key) is True


def validate_settings(settings: Any) -> dict[str, Any]:
    """Return the settings merged over the defaults, or raise InvalidInput naming each bad path."""
    if not isinstance(settings, dict):
        raise InvalidInput("settings must be a JSON object", code="invalid_settings",
                           errors={"settings": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    for key, value in settings.items():
        if not _fit_key(key):
            errors.setdefault("settings", []).append(_KEY_PROBLEM)
            continue
        rule = _RULES.get(key)
        problem = rule(value) if rule else _free_form(value)
        if problem:
            errors.setdefault(f"settings.{key}", []).append(problem)
    if not errors and len(json.dumps(settings)) > MAX_SETTINGS_BYTES:
        errors["settings"] = [f"must be at most {MAX_SETTINGS_BYTES} bytes of JSON"]
    if errors:
        raise InvalidInput("invalid settings", code="invalid_settings", errors=errors)
    return {**DEFAULT_SETTINGS, **settings}


def _free_form(value: Any) -> str | None:
    """Any plain JSON, nested at most MAX_SETTINGS_DEPTH deep, its text free of control characters.
    Walked without recursion, so no depth of nesting can exhaust the stack."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_SETTINGS_DEPTH:
                return f"must be nested at most {MAX_SETTINGS_DEPTH} levels deep"
            children = list(item.items()) if isinstance(item, dict) else [(None, v) for v in item]
            for key, child in children:
                if key is not None and not _fit_key(key):
                    return _KEY_PROBLEM
                pending.append((child, depth + 1))
        elif isinstance(item, str):
            if unsafe_text(item):
                return f"text {UNSAFE_TEXT_PROBLEM}"
        elif item is not None and not isinstance(item, bool | int | float) or (
                isinstance(item, float) and not math.isfinite(item)):
            return "must be plain JSON"
        elif not isinstance(item, bool) and isinstance(item, int | float) and not (
                -MAX_NUMBER <= item <= MAX_NUMBER):
            return f"numbers must be within ±{MAX_NUMBER}"
    return None


def _fit_key(key: Any) -> bool:
    return isinstance(key, str) and 0 < len(key) <= MAX_KEY_LENGTH and not unsafe_text(key)


_KEY_PROBLEM = (f"keys must be strings of 1 to {MAX_KEY_LENGTH} characters without control "
                "characters")
