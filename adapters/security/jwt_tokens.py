"""Signed JWTs (pyjwt) with an explicit algorithm allow-list and every claim checked.

Signature, algorithm, issuer, audience and the presence of claims are checked by pyjwt;
the times are checked here against the injected Clock, so tests control time.

A token that verified once is remembered (bounded, per process) with its claims: the same bytes
under the same key always verify the same way, and pyjwt's checks were the largest single cost
of an authenticated request. Only tokens that verified are kept, so garbage cannot fill the
cache, and the times are checked on every read. Whether the session is still live is not a
property of the token and is never cached (application.principals reads it per request).
"""

from __future__ import annotations

import functools
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import jwt

from application.errors import Unauthenticated
from application.ports.security import TokenClaims, TokenService, TokenType
from application.ports.system import Clock

ALGORITHMS = ["HS256"]
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "org", "sid", "jti", "typ"]
MIN_KEY_BYTES = 32
LEEWAY = timedelta(seconds=5)
CHALLENGE_TTL = timedelta(minutes=5)
VERIFIED_TOKENS_KEPT = 4096


class JwtTokenService(TokenService):
    def __init__(self, *, secret_key: str, clock: Clock, access_ttl: timedelta,
                 refresh_ttl: timedelta, issuer: str = "groundwork",
                 audience: str = "groundwork-api",
                 verified_tokens_kept: int = VERIFIED_TOKENS_KEPT) -> None:
        if len(secret_key.encode()) < MIN_KEY_BYTES:
            raise ValueError(f"SECRET_KEY must be at least {MIN_KEY_BYTES} bytes long")
        self._key = secret_key
        self._clock = clock
        self._ttl = {TokenType.ACCESS: access_ttl, TokenType.REFRESH: refresh_ttl,
                     TokenType.CHALLENGE: CHALLENGE_TTL}
        self._issuer = issuer
        self._audience = audience
        self._verified = functools.lru_cache(maxsize=verified_tokens_kept)(self._verify)

    def issue(self, *, subject: uuid.UUID, org_id: uuid.UUID, session_id: uuid.UUID,
              type: TokenType, binding: str | None = None) -> tuple[str, TokenClaims]:
        now = self._clock.now().replace(microsecond=0)
        claims = TokenClaims(subject=subject, org_id=org_id, session_id=session_id,
                             token_id=secrets.token_urlsafe(16), type=type, issued_at=now,
                             expires_at=now + self._ttl[type], binding=binding)
        payload = {
            "iss": self._issuer, "aud": self._audience, "sub": str(subject),
            "org": str(org_id), "sid": str(session_id), "jti": claims.token_id,
            "typ": type.value, "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        if binding is not None:
            payload["bnd"] = binding
        return jwt.encode(payload, self._key, algorithm=ALGORITHMS[0]), claims

    def read(self, token: str, *, expected: TokenType) -> TokenClaims:
        try:
            claims, not_before = self._verified(token)
        except (jwt.InvalidTokenError, ValueError, TypeError, KeyError, OverflowError):
            raise Unauthenticated("invalid or expired credentials") from None
        now = self._clock.now()
        if (claims.type is not expected or now >= claims.expires_at + LEEWAY
                or now + LEEWAY < not_before or now + LEEWAY < claims.issued_at):
            raise Unauthenticated("invalid or expired credentials")
        return claims

    def _verify(self, token: str) -> tuple[TokenClaims, datetime]:
        payload = jwt.decode(
            token, self._key, algorithms=ALGORITHMS, audience=self._audience, issuer=self._issuer,
            options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False,
                     "verify_nbf": False})
        claims = TokenClaims(
            subject=uuid.UUID(payload["sub"]), org_id=uuid.UUID(payload["org"]),
            session_id=uuid.UUID(payload["sid"]), token_id=str(payload["jti"]),
            type=TokenType(payload["typ"]),
            issued_at=_at(payload["iat"]), expires_at=_at(payload["exp"]),
            binding=_text_or_none(payload.get("bnd")))
        return claims, _at(payload["nbf"])


def _at(timestamp) -> datetime:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        raise TypeError("a time claim must be a number")
    return datetime.fromtimestamp(timestamp, tz=UTC)


def _text_or_none(value) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("a binding claim must be text")
    return value
