"""A signed-in person proving their own password before a change only they may make (a new
password, closing the account): the guesses count with sign-in attempts, per address and
client, and a right one clears them."""

from __future__ import annotations

from application.errors import TooManyAttempts
from application.ports.security import AttemptThrottle, PasswordHasher
from domain.errors import InvalidInput
from domain.user import User


def prove_own_password(throttle: AttemptThrottle, hasher: PasswordHasher, user: User,
                       password: str, ip: str | None, *, field: str = "password") -> None:
    """Hashes with no connection held: call it between units of work. `field` names the
    request's field in a refusal."""
    retry_after = throttle.reserve(user.email, ip)
    if retry_after is not None:
        raise TooManyAttempts("too many password attempts; try again later",
                              retry_after=retry_after)
    if not hasher.verify(user.password_hash or "", password):
        raise InvalidInput(f"the {field.replace('_', ' ')} is not right", code="wrong_password",
                           errors={field: ["is not your current password"]})
    throttle.reset(user.email, ip)
