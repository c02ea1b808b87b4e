"""Text that people type and others read: names, labels, settings. No control characters (a NUL
that the database refuses, terminal escapes that rewrite an operator's screen, newlines that
forge log lines), no lone surrogates (not text at all), no invisible or bidirectional format
characters (zero-width spaces, line and paragraph separators, byte-order marks, overrides that
make a name read differently from what it is) and no noncharacters."""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069"
                     "\ud800-\udfff\ufeff\ufff9-\uffff]")
UNSAFE_TEXT_PROBLEM = "must not contain control characters"


def unsafe_text(value: str) -> bool:
    return _UNSAFE.search(value) is not None


def readable(value: str | None, *, limit: int) -> str | None:
    """Text from outside (a User-Agent, say) made safe to keep and show: unsafe characters become
    U+FFFD, at most `limit` characters; None when nothing is left."""
    if not value:
        return None
    return _UNSAFE.sub("\ufffd", value[:limit]) or None
