from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from application.ports.security import PasswordHasher

# OWASP's argon2id minimum is m=19 MiB, t=2, p=1; we sit above it (RFC 9106's low-memory
# profile is m=64 MiB, t=3, p=4: slower than our login target on two cores).
PRODUCTION = {"time_cost": 2, "memory_cost": 19 * 1024 * 2, "parallelism": 1}
FAST_FOR_TESTS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


class Argon2Hasher(PasswordHasher):
    def __init__(self, *, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost,
                               parallelism=parallelism, type=Type.ID)

    @classmethod
    def production(cls) -> Argon2Hasher:
        return cls(**PRODUCTION)

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
