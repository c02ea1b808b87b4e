"""HMAC-SHA256 signatures for audit chain digests, keyed from SECRET_KEY (which lives with the
servers, not in the database: someone with table access alone cannot forge a digest)."""

from __future__ import annotations

import hashlib
import hmac

from application.ports.security import DigestSigner

_PURPOSE = b"groundwork audit chain digest v1"


class HmacDigestSigner(DigestSigner):
    def __init__(self, secret_key: str) -> None:
        # A key of its own, derived from the signing secret: a digest's MAC is never a token's.
        self._key = hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()

    def sign(self, message: bytes) -> str:
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def verify(self, message: bytes, signature: str) -> bool:
        return hmac.compare_digest(self.sign(message), signature or "")
