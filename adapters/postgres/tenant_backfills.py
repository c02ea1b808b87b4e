"""Runs the tenant backfills that revisions registered (migrations/backfills.py), as the owner.

Orgs are walked in id order, one transaction per org: its statement runs under that org's
binding (SET LOCAL app.org_id) as the application role (SET LOCAL ROLE), with the app's
privileges and under row-level security, which the owner, a superuser on some servers, would
bypass. The same transaction locks the backfill's row in `maintenance.tenant_backfills`, takes
the next org after the last one recorded, and records it: a run stopped half way (a crash, a
deploy, Ctrl-C) resumes after the last org it committed, and two runners at once take turns and
never visit an org twice. No transaction holds locks in two orgs, so a backfill never deadlocks
with a request that locks one person's memberships across orgs (a password change). Progress is
reported every `batch_size` orgs. Orgs created after the revision are made by code that writes
the new data itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from attrs import define
from sqlalchemy import Connection, Engine, text

from migrations.backfills import BACKFILLS, TenantBackfill

BATCH_SIZE = 500

_HAS_TABLE = text("SELECT to_regclass('maintenance.tenant_backfills') IS NOT NULL")
_UNFINISHED = text("SELECT name FROM maintenance.tenant_backfills WHERE finished_at IS NULL "
                   "ORDER BY name")
# The backfill's row, locked, and the org after the last one it recorded.
_CLAIM = text("""
    SELECT b.orgs_done, (SELECT o.id FROM org o
                         WHERE o.id > COALESCE(b.last_org_id, CAST(:first AS uuid))
                         ORDER BY o.id LIMIT 1) AS next_org
    FROM maintenance.tenant_backfills b
    WHERE b.name = :name AND b.finished_at IS NULL FOR UPDATE""")
_ORGS = text("SELECT count(*) FROM org")
_ADVANCE = text("UPDATE maintenance.tenant_backfills SET last_org_id = :last, "
                "orgs_done = orgs_done + 1, updated_at = now() WHERE name = :name")
_FINISH = text("UPDATE maintenance.tenant_backfills SET finished_at = now(), updated_at = now() "
               "WHERE name = :name")
_APP_ROLE = text("SELECT quote_ident(current_database() || '_app')")
_FIRST = uuid.UUID(int=0)


@define(frozen=True)
class BackfillProgress:
    name: str
    done: int  # orgs done so far, over every run
    total: int  # orgs there are now
    finished: bool


class UnknownBackfill(RuntimeError):
    """The database asks for a backfill this code does not have: it is older than the schema."""


class TenantBackfills:
    def __init__(self, owner_engine: Engine, *, batch_size: int = BATCH_SIZE,
                 known: Mapping[str, TenantBackfill] = BACKFILLS) -> None:
        self._engine = owner_engine
        self._batch_size = batch_size
        self._known = known

    def pending(self) -> list[str]:
        """The registered backfills not finished yet (none before the revision that keeps them)."""
        with self._engine.connect() as conn:
            if not conn.execute(_HAS_TABLE).scalar_one():
                return []
            return list(conn.execute(_UNFINISHED).scalars())

    def run(self, progress: Callable[[BackfillProgress], None] = lambda _: None) -> list[str]:
        """Every pending backfill to its end, calling `progress` after each committed batch.
        Returns the names of those it finished."""
        names = self.pending()
        unknown = [name for name in names if name not in self._known]
        if unknown:
            raise UnknownBackfill(f"the database asks for backfill(s) {', '.join(unknown)}, which "
                                  "this version of Groundwork does not have: run a newer one")
        for name in names:
            self._run_one(self._known[name], progress)
        return names

    def _run_one(self, backfill: TenantBackfill,
                 progress: Callable[[BackfillProgress], None]) -> None:
        with self._engine.connect() as conn:
            total = conn.execute(_ORGS).scalar_one()
            app_role = conn.execute(_APP_ROLE).scalar_one()
            conn.rollback()
            done_here = 0
            while True:
                with conn.begin():
                    state = self._one_org(conn, backfill, app_role)
                if state is None:
                    return
                done, finished = state
                done_here += 0 if finished else 1
                if finished or done_here % self._batch_size == 0:
                    progress(BackfillProgress(backfill.name, done, max(total, done), finished))
                if finished:
                    return

    @staticmethod
    def _one_org(conn: Connection, backfill: TenantBackfill,
                 app_role: str) -> tuple[int, bool] | None:
        """The next org, in the caller's transaction: (orgs done, finished), or None when
        another runner finished the backfill first."""
        claimed = conn.execute(_CLAIM, {"name": backfill.name, "first": _FIRST}).one_or_none()
        if claimed is None:
            return None
        if claimed.next_org is None:
            conn.execute(_FINISH, {"name": backfill.name})
            return claimed.orgs_done, True
        org_id = uuid.UUID(str(claimed.next_org))
        conn.exec_driver_sql(f"SET LOCAL ROLE {app_role}; SET LOCAL app.org_id = '{org_id}'")
        conn.execute(text(backfill.statement), {"org_id": org_id})
        conn.exec_driver_sql("RESET ROLE")  # the owner again, to record the org
        conn.execute(_ADVANCE, {"name": backfill.name, "last": org_id})
        return claimed.orgs_done + 1, False
