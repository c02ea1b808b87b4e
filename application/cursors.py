"""Opaque page cursors: the key where a page ended, base64url-encoded, and checked coming back;
signed where skipping ahead must be impossible (the audit log, whose first page is audited)."""

from __future__ import annotations

import base64
import binascii
import hmac
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from application.errors import InvalidCursor
from application.ports.security import DigestSigner

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


def encode_position(kind: str, at: datetime, row_id: uuid.UUID) -> str:
    """Where a page ordered by (created_at, id) ended."""
    return encode_cursor(kind, at.isoformat(), str(row_id))


def decode_position(cursor: str | None, kind: str) -> tuple[datetime, uuid.UUID] | None:
    """The (created_at, id) a cursor of `kind` holds; None for no cursor (the first page)."""
    if not cursor:
        return None
    return decode_cursor(cursor, kind, _position,
                         hint="use the cursor of a previous page's Link header")


def _position(at: str, row_id: str) -> tuple[datetime, uuid.UUID]:
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is None:
        raise ValueError(at)
    return moment, uuid.UUID(row_id)


_MAC_LENGTH = 32  # hex characters: 128 bits of HMAC-SHA256


def sign_cursor(cursor: str, signer: DigestSigner, scope: bytes) -> str:
    """`cursor` with a MAC over it and `scope` (what it is valid for: an org and a filter), so
    that only a cursor this server issued, for that same search, reads on."""
    return f"{cursor}.{_mac(cursor, signer, scope)}"


def verified_cursor(cursor: str, signer: DigestSigner, scope: bytes, *, hint: str) -> str:
    """The cursor inside a signed one; InvalidCursor unless this server signed it for `scope`."""
    body, _, mac = cursor.rpartition(".")
    if not body or not hmac.compare_digest(_mac(body, signer, scope), mac):
        raise InvalidCursor("invalid cursor", code="invalid_cursor", errors={"cursor": [hint]})
    return body


def _mac(cursor: str, signer: DigestSigner, scope: bytes) -> str:
    return signer.sign(scope + b"\x00" + cursor.encode())[:_MAC_LENGTH]


def page_of(items: list[T], key: Callable[[T], tuple], after: tuple | None, limit: int, *,
            newest_first: bool = False) -> tuple[list[T], T | None]:
    """A page of a short list read whole (a person's sessions or orgs, an org's keys), in the
    stable order of `key`: the items after `after`, and the last of them when more follow."""
    ordered = sorted(items, key=key, reverse=newest_first)
    if after is not None:
        ordered = [i for i in ordered if (key(i) < after if newest_first else key(i) > after)]
    page = ordered[:limit]
    return page, (page[-1] if len(ordered) > limit else None)
