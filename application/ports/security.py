"""Ports for secrets: password hashing and signed tokens."""

from __future__ import annotations

import abc
import enum
import uuid
from datetime import datetime

from attrs import define


class PasswordHasher(abc.ABC):
    @abc.abstractmethod
    def hash(self, password: str) -> str: ...

    @abc.abstractmethod
    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; False for a mismatch or an unreadable hash."""

    @abc.abstractmethod
    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than today's."""


class TokenType(enum.StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    CHALLENGE = "challenge"  # a password proven, a second factor still to come


@define(frozen=True)
class TokenClaims:
    subject: uuid.UUID
    org_id: uuid.UUID
    session_id: uuid.UUID
    token_id: str
    type: TokenType
    issued_at: datetime
    expires_at: datetime
    binding: str | None = None  # what the token holds to (a challenge: the password it proved)


class TokenService(abc.ABC):
    @abc.abstractmethod
    def issue(self, *, subject: uuid.UUID, org_id: uuid.UUID, session_id: uuid.UUID,
              type: TokenType, binding: str | None = None) -> tuple[str, TokenClaims]: ...

    @abc.abstractmethod
    def read(self, token: str, *, expected: TokenType) -> TokenClaims:
        """The token's claims, or Unauthenticated whatever is wrong with it."""


class AttemptThrottle(abc.ABC):
    """Caps attempts (sign-ins, sign-ups) per account and client address, per account from all
    addresses (a larger cap), and per client address.

    An attempt is reserved before the password is checked, atomically, so parallel
    guesses cannot slip past the cap.
    """

    @abc.abstractmethod
    def reserve(self, account: str, ip: str | None) -> int | None:
        """Take one attempt; None when allowed, else the seconds until the next is."""

    @abc.abstractmethod
    def reset(self, account: str, ip: str | None) -> None:
        """Forget the account's attempts from this address after a successful sign-in."""


class DigestSigner(abc.ABC):
    """Signs messages (audit chain digests, audit cursors) with a key that the database does
    not hold."""

    @abc.abstractmethod
    def sign(self, message: bytes) -> str: ...

    @abc.abstractmethod
    def verify(self, message: bytes, signature: str) -> bool: ...


class OneTimeCodes(abc.ABC):
    """Time-based one-time passwords (RFC 6238): six digits, a 30-second step."""

    @abc.abstractmethod
    def new_secret(self) -> str: ...

    @abc.abstractmethod
    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        """The `otpauth://` URI an authenticator app reads."""

    @abc.abstractmethod
    def qr_svg(self, uri: str) -> str:
        """The URI as a QR code, an SVG document."""

    @abc.abstractmethod
    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time step whose code `code` is, within one step either side of `at`; None when it
        matches none."""


class SecretSealer(abc.ABC):
    """Encrypts small secrets kept in the database with a key the database does not hold."""

    @abc.abstractmethod
    def seal(self, secret: str) -> str: ...

    @abc.abstractmethod
    def open(self, sealed: str) -> str:
        """The secret; ValueError when the text was not sealed with this key."""
