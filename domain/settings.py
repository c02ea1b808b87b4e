"""Organization settings: a JSON object validated against a small schema.

Known keys are checked; nested sections stay free-form so product modules can add their own.
Every error is reported with its path, all at once.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from typing import Any

from domain.currencies import ISO_4217
from domain.errors import InvalidInput

DEFAULT_SETTINGS: dict[str, Any] = {
    "default_currency": "EUR",
    "timezone": "UTC",
    "locale": "en",
}
MAX_SETTINGS_BYTES = 64 * 1024
_LOCALE = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?$")


def _currency(value: Any) -> str | None:
    if not isinstance(value, str) or value not in ISO_4217:
        return "must be an ISO 4217 currency code such as EUR or USD"
    return None


def _timezone(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "must be an IANA time zone name such as Europe/Berlin"
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
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


_RULES = {
    "default_currency": _currency,
    "timezone": _timezone,
    "locale": _locale,
    "price_tolerance_percent": _percent,
}


def validate_settings(settings: Any) -> dict[str, Any]:
    """Return the settings merged over the defaults, or raise InvalidInput naming each bad path."""
    if not isinstance(settings, dict):
        raise InvalidInput("settings must be a JSON object", code="invalid_settings",
                           errors={"settings": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    for key, value in settings.items():
        if not isinstance(key, str) or not key:
            errors.setdefault("settings", []).append("keys must be non-empty strings")
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
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return "must be plain JSON"
    return None
