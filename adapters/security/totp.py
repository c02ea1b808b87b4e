"""TOTP codes with pyotp, their QR code with segno, and the secrets sealed with AES-GCM."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.ports.security import OneTimeCodes, SecretSealer

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code of the step before or after is accepted too (clock drift, typing time)
TOTP_SECRETS = b"groundwork totp secret seal v1"


class PyotpCodes(OneTimeCodes):
    def new_secret(self) -> str:
        return pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
            name=account, issuer_name=issuer)

    def qr_svg(self, uri: str) -> str:
        out = io.BytesIO()
        segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False)
        return out.getvalue().decode()

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        if len(code) != DIGITS or not code.isascii() or not code.isdigit():
            return None
        totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
        now = totp.timecode(at)
        matched = None
        for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):  # every one: same time
            if hmac.compare_digest(totp.generate_otp(step), code):
                matched = step
        return matched


class AesGcmSealer(SecretSealer):
    def __init__(self, secret_key: str, purpose: bytes = TOTP_SECRETS) -> None:
        self._aead = AESGCM(hmac.new(secret_key.encode(), purpose, hashlib.sha256).digest())

    def seal(self, secret: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._aead.encrypt(nonce, secret.encode(), None)
        return base64.urlsafe_b64encode(sealed).decode()

    def open(self, sealed: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            return self._aead.decrypt(raw[:12], raw[12:], None).decode()
        except (InvalidTag, ValueError) as error:
            raise ValueError("not sealed with this key") from error
