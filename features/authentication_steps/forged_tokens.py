"""Tokens a client should not have: forged, tampered with, or outside their lifetime."""

from __future__ import annotations

import base64
import json
import uuid
import warnings

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from features.authentication_steps.client import bearer
from features.authentication_steps.world import ACCESS_TTL, Signin, World
from tests.fixtures.app import PASSWORD, TEST_SECRET_KEY


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unverified_claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _resigned(token: str, key: str = TEST_SECRET_KEY, algorithm: str = "HS256", **changes) -> str:
    """The same claims, changed as told (None drops a claim), signed again."""
    claims = unverified_claims(token) | changes
    claims = {name: value for name, value in claims.items() if value is not None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # HS512 wants a longer key: no matter
        return jwt.encode(claims, key, algorithm=algorithm)


def _now(world: World) -> int:
    return int(world.container.adapters.clock().now().timestamp())


def _altered_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{header}.{payload}.{flipped}{signature[1:]}"


def _other_org_slipped_in(token: str) -> str:
    header, _, signature = token.split(".")
    claims = unverified_claims(token) | {"org": str(uuid.uuid4())}
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _alg_none(token: str) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(unverified_claims(token)).encode())}."


CREDENTIALS = {
    "no Authorization header": lambda w, s: {},
    "an empty Bearer token": lambda w, s: {"Authorization": "Bearer "},
    "a Basic password instead of a token": lambda w, s: {"Authorization": "Basic " + base64.b64encode(
        f"{w.person(s.who).email}:{PASSWORD}".encode()).decode()},
    "a token that is not a JWT": lambda w, s: {"Authorization": "Bearer not-a-token-at-all"},
    "their refresh token instead": lambda w, s: {"Authorization": f"Bearer {s.latest['refresh_token']}"},
    "the token with its signature altered": lambda w, s: bearer(_altered_signature(_token(s))),
    "the token with another org slipped in": lambda w, s: bearer(_other_org_slipped_in(_token(s))),
    "the token signed with another key": lambda w, s: bearer(
        _resigned(_token(s), key="another-signing-key-" + "y" * 32)),
    "the token signed with HS512 instead": lambda w, s: bearer(_resigned(_token(s), algorithm="HS512")),
    'the token with the algorithm "none"': lambda w, s: bearer(_alg_none(_token(s))),
    "the token for another audience": lambda w, s: bearer(_resigned(_token(s), aud="someone-else")),
    "the token from another issuer": lambda w, s: bearer(_resigned(_token(s), iss="elsewhere")),
    "the token without a session id": lambda w, s: bearer(_resigned(_token(s), sid=None)),
    "the token expired a minute ago": lambda w, s: bearer(_resigned(
        _token(s), iat=_now(w) - ACCESS_TTL - 60, nbf=_now(w) - ACCESS_TTL - 60, exp=_now(w) - 60)),
    "the token not valid for another hour": lambda w, s: bearer(_resigned(
        _token(s), iat=_now(w), nbf=_now(w) + 3600, exp=_now(w) + 3600 + ACCESS_TTL)),
}


def _token(signin: Signin) -> str:
    return signin.latest["access_token"]
