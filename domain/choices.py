from __future__ import annotations

import enum
from typing import TypeVar

from domain.errors import InvalidInput

E = TypeVar("E", bound=enum.StrEnum)


def parse_choice(choices: type[E], raw: object, *, field: str) -> E:
    """Read one of an enum's values, case-insensitively, or say which values are allowed."""
    try:
        return choices(str(raw).strip().lower())
    except ValueError:
        allowed = ", ".join(c.value for c in choices)
        raise InvalidInput(f"unknown {field} {raw!r}; choose one of {allowed}",
                           code=f"invalid_{field}",
                           errors={field: [f"must be one of {allowed}"]}) from None
