"""HMAC-SHA256 signatures keyed from SECRET_KEY (which lives with the servers, not in the
database: someone with table access alone cannot forge an audit digest or a page cursor)."""

from __future__ import annotations

import hashlib
import hmac

from application.ports.security import DigestSigner

AUDIT_DIGESTS = b"groundwork audit chain digest v1"
AUDIT_CURSORS = b"groundwork audit cursor v1"
RECOVERY_CODES = b"groundwork recovery code v1"
DOWNLOAD_LINKS = b"groundwork download link v1"
EXPORT_MANIFESTS = b"groundwork export manifest v1"


class HmacDigestSigner(DigestSigner):
    def __init__(self, secret_key: str, purpose: bytes = AUDIT_DIGESTS) -> None:
        # A key of its own per purpose, derived from the signing secret: a digest's MAC is never
        # a cursor's, and neither is a token's.
        self._key = hmac.new(secret_key.encode(), purpose, hashlib.sha256).digest()

    def sign(self, message: bytes) -> str:
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def verify(self, message: bytes, signature: str) -> bool:
        # As bytes: compare_digest refuses str with non-ASCII characters, and a signature is
        # whatever the caller was sent.
        return hmac.compare_digest(self.sign(message).encode(), (signature or "").encode())
