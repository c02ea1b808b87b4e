from __future__ import annotations

from attrs import define, field

from domain.password_token import PasswordToken


@define(slots=False)
class EmailToken(PasswordToken):
    """A single-use, expiring link that proves a person receives mail at `email`: the life of
    a password link (used once, ends, replaced by a newer one), for an address. Only its hash
    is stored."""

    email: str = field(kw_only=True)
