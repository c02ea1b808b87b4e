from __future__ import annotations

import enum
import re
import uuid
from datetime import datetime

from attrs import define

from domain.errors import Conflict, InvalidInput
from domain.organization import clean_name

MAX_EMAIL_LENGTH = 254
# An addr-spec as OpenAPI's `format: email` means it (RFC 5322 dot-atom local part, a dotted
# host name of DNS labels): no quotes, spaces, commas or control characters. Whether it
# receives mail is proven by mail, not by a pattern.
_ATEXT = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(rf"^(?=[^@]{{1,64}}@){_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})+$")


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    ERASED = "erased"  # for good: no way in, and (once anonymised) no personal data


ERASED_DOMAIN = "erased.invalid"  # RFC 2606: a name that never resolves, so never mails


def erased_address(user_id: uuid.UUID) -> str:
    """The address an erased person's row keeps, and invitations to them: unique, no one's."""
    return f"erased-{user_id.hex}@{ERASED_DOMAIN}"


def normalise_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise InvalidInput(f"invalid email address {raw!r}", code="invalid_email",
                           errors={"email": ["must be a valid email address"]})
    return email


@define(slots=False)
class User:
    """A global identity; it may be a member of several organizations."""

    id: uuid.UUID
    email: str
    full_name: str
    created_at: datetime
    updated_at: datetime
    password_hash: str | None = None
    status: UserStatus = UserStatus.ACTIVE
    email_verified_at: datetime | None = None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def verify_email(self, email: str, now: datetime) -> bool:
        """Proven by a link sent to `email`: true when that is still this person's address."""
        if email != self.email:
            return False
        if self.email_verified_at is None:
            self.email_verified_at = self.updated_at = now
        return True

    def change_email(self, email: str, now: datetime) -> None:
        """Moved to `email`, proven by a link sent to it: a confirmed address."""
        self.email = normalise_email(email)
        self.email_verified_at = self.updated_at = now

    @classmethod
    def create(cls, *, id: uuid.UUID, email: str, full_name: str, now: datetime) -> User:
        return cls(id=id, email=normalise_email(email),
                   full_name=clean_name(full_name, field_name="full_name"),
                   created_at=now, updated_at=now)

    def set_password(self, password_hash: str, now: datetime) -> None:
        """Takes a hash made by the caller: hashing is slow and belongs outside any transaction."""
        self.password_hash = password_hash
        self.updated_at = now

    def rename(self, full_name: str, now: datetime) -> None:
        self.full_name = clean_name(full_name, field_name="full_name")
        self.updated_at = now

    def set_status(self, status: UserStatus, now: datetime) -> None:
        if self.status is UserStatus.ERASED or status is UserStatus.ERASED:
            raise Conflict("an erased person stays erased, and is erased only by an erasure",
                           code="user_erased")
        self.status = status
        self.updated_at = now

    @property
    def erased(self) -> bool:
        return self.status is UserStatus.ERASED

    @property
    def anonymised(self) -> bool:
        return self.email == erased_address(self.id)

    def begin_erasure(self, now: datetime) -> None:
        """No way in any more: no password, status erased (the profile goes with `anonymise`,
        once the person's data elsewhere is gone; until then the address finds them)."""
        self.status = UserStatus.ERASED
        self.password_hash = None
        self.updated_at = now

    def anonymise(self, now: datetime) -> None:
        if not self.erased:
            raise Conflict("only an erased person is anonymised", code="user_not_erased")
        self.email = erased_address(self.id)
        self.full_name = ""
        self.email_verified_at = None
        self.updated_at = now
