"""Text that people type and others read: names, labels, settings. No control characters (a NUL
that the database refuses, terminal escapes that rewrite an operator's screen, newlines that
forge log lines), no lone surrogates (not text at all) and no bidirectional overrides (which
make a name read differently from what it is)."""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
UNSAFE_TEXT_PROBLEM = "must not contain control characters"


def unsafe_text(value: str) -> bool:
    return _UNSAFE.search(value) is not None
