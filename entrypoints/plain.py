"""Values as JSON and tables show them: records as dicts, ids and times as text, enums as their
values, sets as sorted lists."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import attrs


def plain(value: Any) -> Any:
    if attrs.has(type(value)):
        return {k: plain(v) for k, v in attrs.asdict(value, recurse=False).items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID | enum.Enum):
        return str(value)
    return value
