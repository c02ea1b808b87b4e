"""A person's TOTP factor and recovery codes in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from adapters.postgres.tables import recovery_codes, totp_factors
from adapters.postgres.transaction import Transaction
from application.ports.repositories import TwoFactorRepository
from domain.two_factor import RecoveryCode, TotpFactor

_FACTOR_COLUMNS = ("id", "user_id", "sealed_secret", "confirmed_at", "last_step", "created_at",
                   "updated_at")


class PgTwoFactor(TwoFactorRepository):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def get(self, user_id: uuid.UUID) -> TotpFactor | None:
        row = self._tx.execute(
            select(totp_factors).where(totp_factors.c.user_id == user_id)).one_or_none()
        return TotpFactor(**{c: getattr(row, c) for c in _FACTOR_COLUMNS}) if row else None

    def put(self, factor: TotpFactor) -> bool:
        values = {c: getattr(factor, c) for c in _FACTOR_COLUMNS}
        statement = insert(totp_factors).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[totp_factors.c.user_id],
            set_={c: statement.excluded[c] for c in _FACTOR_COLUMNS if c not in ("id", "user_id")},
            where=totp_factors.c.confirmed_at.is_(None),
        ).returning(totp_factors.c.user_id)
        return self._tx.execute(statement).first() is not None

    def accept(self, factor: TotpFactor, *, previous_step: int) -> bool:
        c = totp_factors.c
        return self._tx.execute(update(totp_factors).where(
            c.user_id == factor.user_id, c.last_step == previous_step,
            c.sealed_secret == factor.sealed_secret,  # the secret the code was checked against
        ).values(last_step=factor.last_step, confirmed_at=factor.confirmed_at,
                 updated_at=factor.updated_at)).rowcount == 1

    def remove(self, user_id: uuid.UUID) -> bool:
        self._tx.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
        return self._tx.execute(
            delete(totp_factors).where(totp_factors.c.user_id == user_id)).rowcount == 1

    def replace_codes(self, user_id: uuid.UUID, codes: list[RecoveryCode]) -> None:
        self._tx.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
        self._tx.execute(insert(recovery_codes), [
            {"id": code.id, "user_id": code.user_id, "code_digest": code.code_digest,
             "created_at": code.created_at, "updated_at": code.updated_at} for code in codes])

    def use_code(self, user_id: uuid.UUID, code_digest: str, now: datetime) -> bool:
        c = recovery_codes.c
        return self._tx.execute(update(recovery_codes).where(
            c.user_id == user_id, c.code_digest == code_digest, c.used_at.is_(None),
        ).values(used_at=now, updated_at=now)).rowcount == 1

    def codes_left(self, user_id: uuid.UUID) -> int:
        c = recovery_codes.c
        return self._tx.execute(select(func.count()).select_from(recovery_codes).where(
            c.user_id == user_id, c.used_at.is_(None))).scalar_one()
