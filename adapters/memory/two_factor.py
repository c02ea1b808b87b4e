"""A person's TOTP factor and recovery codes in memory (see adapters/memory/store.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.memory.draft_table import first_row
from adapters.memory.store import Draft
from application.ports.repositories import TwoFactorRepository
from domain.two_factor import RecoveryCode, TotpFactor


class MemoryTwoFactor(TwoFactorRepository):
    def __init__(self, tables: Draft) -> None:
        self._t = tables

    def get(self, user_id: uuid.UUID) -> TotpFactor | None:
        return self._t.totp_factors.get(user_id)

    def put(self, factor: TotpFactor) -> bool:
        stored = self._t.totp_factors.stored(factor.user_id)
        if stored is not None and stored.confirmed:
            return False
        self._t.totp_factors[factor.user_id] = factor
        return True

    def accept(self, factor: TotpFactor, *, previous_step: int) -> bool:
        stored = self._t.totp_factors.stored(factor.user_id)
        if (stored is None or stored.last_step != previous_step
                or stored.sealed_secret != factor.sealed_secret):
            return False
        self._t.totp_factors[factor.user_id] = factor
        return True

    def remove(self, user_id: uuid.UUID) -> bool:
        for key in self._codes_of(user_id):
            self._t.recovery_codes.pop(key)
        return self._t.totp_factors.pop(user_id) is not None

    def replace_codes(self, user_id: uuid.UUID, codes: list[RecoveryCode]) -> None:
        for key in self._codes_of(user_id):
            self._t.recovery_codes.pop(key)
        for code in codes:
            self._t.recovery_codes[code.id] = code

    def use_code(self, user_id: uuid.UUID, code_digest: str, now: datetime) -> bool:
        code = first_row(self._t.recovery_codes, (
            k for k, c in self._t.recovery_codes.items()
            if c.user_id == user_id and c.code_digest == code_digest and c.used_at is None))
        if code is None:
            return False
        code.use(now)
        self._t.recovery_codes[code.id] = code
        return True

    def codes_left(self, user_id: uuid.UUID) -> int:
        return sum(1 for c in self._t.recovery_codes.values()
                   if c.user_id == user_id and c.used_at is None)

    def _codes_of(self, user_id: uuid.UUID) -> list[uuid.UUID]:
        return [k for k, c in self._t.recovery_codes.items() if c.user_id == user_id]
