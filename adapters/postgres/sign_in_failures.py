"""The platform's failed sign-in log in PostgreSQL (a global table: no tenant)."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select

from adapters.postgres.tables import sign_in_failures
from adapters.postgres.transaction import Compiled, Transaction
from application.ports.sign_in_failures import SignInFailure, SignInFailureLog

_COLUMNS = ("id", "created_at", "email_digest", "reason", "user_id", "ip", "user_agent")
_RECORD = Compiled(insert(sign_in_failures).values(
    {name: bindparam(name) for name in _COLUMNS} | {"updated_at": bindparam("created_at")}))
_RECENT = Compiled(select(*(sign_in_failures.c[name] for name in _COLUMNS))
                   .order_by(sign_in_failures.c.created_at.desc(), sign_in_failures.c.id.desc())
                   .limit(bindparam("limit")))


class PgSignInFailureLog(SignInFailureLog):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def record(self, failure: SignInFailure) -> None:
        self._tx.run(_RECORD, {name: getattr(failure, name) for name in _COLUMNS})

    def recent(self, *, limit: int) -> list[SignInFailure]:
        return [SignInFailure(**row._asdict()) for row in self._tx.fetch(_RECENT, {"limit": limit})]
