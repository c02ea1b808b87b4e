from __future__ import annotations

import enum

from attrs import define, field

from domain.password_token import PasswordToken


class EmailPurpose(enum.StrEnum):
    VERIFY = "verify"  # the address the person has is theirs
    CHANGE = "change"  # move the account to this address


@define(slots=False)
class EmailToken(PasswordToken):
    """A single-use, expiring link that proves a person receives mail at `email`: the life of
    a password link (used once, ends, replaced by a newer one), for an address. Only its hash
    is stored."""

    email: str = field(kw_only=True)
    purpose: EmailPurpose = field(kw_only=True, default=EmailPurpose.VERIFY)
