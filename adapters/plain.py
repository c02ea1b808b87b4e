"""Values as JSON holds them: ids and times as text, enums as their values."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any


def plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    return value
