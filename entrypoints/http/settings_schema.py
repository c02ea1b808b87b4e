"""The JSON Schema of an organization's settings, built from the domain's own rules
(domain/settings.py), so that what OpenAPI says and what the server accepts are one thing."""

from __future__ import annotations

import re

from domain.currencies import ISO_4217
from domain.settings import (
    LOCALE_PATTERN,
    MAX_KEY_LENGTH,
    MAX_NUMBER,
    MAX_SETTINGS_DEPTH,
    REQUIRE_TWO_FACTOR,
    REQUIRE_VERIFIED_EMAIL,
    time_zones,
)
from entrypoints.http.fields import PRINTABLE

_KEY = {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": PRINTABLE}
_SCALAR = [{"type": "string", "pattern": PRINTABLE},
           {"type": "number", "minimum": -MAX_NUMBER, "maximum": MAX_NUMBER},
           {"type": "boolean"}, {"type": "null"}]


def _free_form(depth: int = 0) -> dict:
    """Plain JSON, nested at most MAX_SETTINGS_DEPTH deep (written out, not recursive)."""
    if depth == MAX_SETTINGS_DEPTH:
        return {"anyOf": _SCALAR}
    inner = _free_form(depth + 1)
    return {"anyOf": [*_SCALAR, {"type": "array", "items": inner},
                      {"type": "object", "propertyNames": _KEY, "additionalProperties": inner}]}


def _named_enum(values: list[str]) -> dict:
    """A string enum with a name per value (`x-enum-varnames`, which generators read): names made
    from the values would collide, since GMT+0, GMT-0 and GMT0 all read as GMT0."""
    return {"type": "string", "enum": values, "x-enum-varnames": [_enum_name(v) for v in values]}


def _enum_name(value: str) -> str:
    """Etc/GMT-5 -> ETC_GMT_MINUS_5, America/Port-au-Prince -> AMERICA_PORT_AU_PRINCE."""
    signed = re.sub(r"-(?=\d)", "_MINUS_", value).replace("+", "_PLUS_")
    return re.sub(r"[^A-Za-z0-9]+", "_", signed).strip("_").upper()


def settings_json_schema() -> dict:
    return {
        "type": "object",
        "propertyNames": _KEY,
        "properties": {
            "default_currency": {"type": "string", "enum": sorted(ISO_4217)},
            "timezone": _named_enum(sorted(time_zones())),
            "locale": {"type": "string", "pattern": LOCALE_PATTERN},
            "price_tolerance_percent": {"type": "number", "minimum": 0, "maximum": 100},
            REQUIRE_TWO_FACTOR: {"type": "boolean", "description":
                                 "Members must sign in with a second factor (they enrol at "
                                 "their next sign-in)"},
            REQUIRE_VERIFIED_EMAIL: {"type": "boolean", "description":
                                     "Members must confirm their email address before inviting, "
                                     "changing roles or creating API keys"},
        },
        "additionalProperties": _free_form(),
        "description": "Merged over the current settings. Known keys are checked; any other key "
                       "holds plain JSON, nested at most "
                       f"{MAX_SETTINGS_DEPTH} levels, 64 KiB of JSON in all.",
    }


def documented_json_schema(converter, field, **kwargs) -> dict:
    """An apispec attribute function: a field that carries `json_schema` in its metadata is
    documented by it (for what marshmallow fields cannot say, such as propertyNames)."""
    return field.metadata.get("json_schema", {})
