"""Every way a token can be wrong gets the same answer: Unauthenticated."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from adapters.security.jwt_tokens import JwtTokenService
from adapters.system import FrozenClock
from application.errors import Unauthenticated
from application.ports.security import TokenType

KEY = "k" * 64
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return FrozenClock(NOW)


@pytest.fixture
def tokens(clock):
    return JwtTokenService(secret_key=KEY, clock=clock, access_ttl=timedelta(minutes=15),
                           refresh_ttl=timedelta(days=7))


@pytest.fixture
def issued(tokens):
    return tokens.issue(subject=uuid.uuid4(), org_id=uuid.uuid4(), session_id=uuid.uuid4(),
                        type=TokenType.ACCESS)


def _payload(token):
    return jwt.decode(token, options={"verify_signature": False})


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_fresh_token_reads_back_its_claims(tokens, issued):
    token, claims = issued
    assert tokens.read(token, expected=TokenType.ACCESS) == claims
    assert claims.expires_at - claims.issued_at == timedelta(minutes=15)


def test_a_short_key_is_refused(clock):
    with pytest.raises(ValueError, match="SECRET_KEY"):
        JwtTokenService(secret_key="short", clock=clock, access_ttl=timedelta(minutes=1),
                        refresh_ttl=timedelta(days=1))


def _attacks(token):
    payload = _payload(token)
    header, body, signature = token.split(".")
    yield "alg none", f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{body}."
    yield "rs256 header", f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{body}.{signature}"
    yield "wrong key", jwt.encode(payload, "w" * 64, algorithm="HS256")
    yield "tampered payload", f"{header}.{_b64({**payload, 'org': str(uuid.uuid4())})}.{signature}"
    yield "wrong audience", jwt.encode({**payload, "aud": "someone-else"}, KEY, algorithm="HS256")
    yield "wrong issuer", jwt.encode({**payload, "iss": "evil"}, KEY, algorithm="HS256")
    yield "missing sid", jwt.encode({k: v for k, v in payload.items() if k != "sid"}, KEY,
                                    algorithm="HS256")
    yield "hs512", jwt.encode(payload, KEY, algorithm="HS512")
    yield "garbage", "not.a.token"
    yield "empty", ""


ATTACKS = ["alg none", "rs256 header", "wrong key", "tampered payload", "wrong audience",
           "wrong issuer", "missing sid", "hs512", "garbage", "empty"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_forged_tokens_are_unauthenticated(tokens, issued, attack):
    forged = dict(_attacks(issued[0]))[attack]
    assert set(dict(_attacks(issued[0]))) == set(ATTACKS)
    with pytest.raises(Unauthenticated) as caught:
        tokens.read(forged, expected=TokenType.ACCESS)
    assert str(caught.value) == "invalid or expired credentials"


def test_an_expired_token_is_refused(tokens, issued, clock):
    clock.advance(timedelta(minutes=15, seconds=6))
    with pytest.raises(Unauthenticated):
        tokens.read(issued[0], expected=TokenType.ACCESS)


def test_a_token_from_the_future_is_refused(tokens, issued, clock):
    clock.advance(timedelta(minutes=-5))
    with pytest.raises(Unauthenticated):
        tokens.read(issued[0], expected=TokenType.ACCESS)


def test_a_refresh_token_is_not_an_access_token(tokens):
    refresh, _ = tokens.issue(subject=uuid.uuid4(), org_id=uuid.uuid4(),
                              session_id=uuid.uuid4(), type=TokenType.REFRESH)
    assert tokens.read(refresh, expected=TokenType.REFRESH).type is TokenType.REFRESH
    with pytest.raises(Unauthenticated):
        tokens.read(refresh, expected=TokenType.ACCESS)


def test_a_token_read_before_is_still_checked_for_time_and_type_on_every_read(tokens, issued, clock):
    """Verified tokens are remembered (the signature check is the costly part), their times not."""
    assert tokens.read(issued[0], expected=TokenType.ACCESS) == issued[1]
    with pytest.raises(Unauthenticated):
        tokens.read(issued[0], expected=TokenType.REFRESH)
    clock.advance(timedelta(minutes=15, seconds=6))
    with pytest.raises(Unauthenticated):
        tokens.read(issued[0], expected=TokenType.ACCESS)


def test_a_token_under_another_key_is_refused_even_after_it_verified_under_its_own(clock, issued):
    other = JwtTokenService(secret_key="o" * 64, clock=clock, access_ttl=timedelta(minutes=15),
                            refresh_ttl=timedelta(days=7))
    with pytest.raises(Unauthenticated):
        other.read(issued[0], expected=TokenType.ACCESS)


def test_only_tokens_that_verified_are_remembered_and_never_more_than_the_bound(tokens, clock):
    for _ in range(50):
        with pytest.raises(Unauthenticated):
            tokens.read(f"garbage.{uuid.uuid4()}.x", expected=TokenType.ACCESS)
    assert tokens._verified.cache_info().currsize == 0
    small = JwtTokenService(secret_key=KEY, clock=clock, access_ttl=timedelta(minutes=15),
                            refresh_ttl=timedelta(days=7), verified_tokens_kept=3)
    for _ in range(10):
        token, _ = small.issue(subject=uuid.uuid4(), org_id=uuid.uuid4(),
                               session_id=uuid.uuid4(), type=TokenType.ACCESS)
        small.read(token, expected=TokenType.ACCESS)
    assert small._verified.cache_info().currsize == 3
