"""Opaque page cursors: the key where a page ended, base64url-encoded, and checked coming back."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TypeVar

from application.errors import InvalidCursor

T = TypeVar("T")
_SEPARATOR = "|"


def encode_cursor(kind: str, *parts: str) -> str:
    raw = _SEPARATOR.join((kind, *parts))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, read: Callable[..., T], *, hint: str) -> T:
    """`read(*parts)` of a cursor of `kind`; any cursor it cannot read is InvalidCursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, *parts = raw.split(_SEPARATOR)
        if found != kind:
            raise ValueError(cursor)
        return read(*parts)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise InvalidCursor("invalid cursor", code="invalid_cursor",
                            errors={"cursor": [hint]}) from None
