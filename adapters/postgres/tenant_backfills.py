"""Runs the tenant backfills that revisions registered (migrations/backfills.py), as the owner.

Orgs are walked in id order, `batch_size` per transaction; each org's statement runs under that
org's binding (SET LOCAL app.org_id) as the application role (SET LOCAL ROLE): with the app's
privileges and under row-level security, which the owner, a superuser on some servers, would
bypass. The
backfill's row in `maintenance.tenant_backfills` is locked for the batch and records the last
org done when the batch commits: a run stopped half way (a crash, a deploy, Ctrl-C) loses at
most its current batch, and the next run resumes after the last org recorded. Two runners at
once take turns, batch by batch, and never visit an org twice. Orgs created after the revision
are made by code that writes the new data itself.
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
_CLAIM = text("SELECT last_org_id, orgs_done FROM maintenance.tenant_backfills "
              "WHERE name = :name AND finished_at IS NULL FOR UPDATE")
_ORGS = text("SELECT count(*) FROM org")
_NEXT_ORGS = text("SELECT id FROM org WHERE id > :after ORDER BY id LIMIT :limit")
_ADVANCE = text("UPDATE maintenance.tenant_backfills SET last_org_id = :last, "
                "orgs_done = orgs_done + :done, updated_at = now() WHERE name = :name")
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
            conn.rollback()
            while True:
                with conn.begin():
                    state = self._batch(conn, backfill)
                if state is None:
                    return
                done, finished = state
                progress(BackfillProgress(backfill.name, done, max(total, done), finished))
                if finished:
                    return

    def _batch(self, conn: Connection, backfill: TenantBackfill) -> tuple[int, bool] | None:
        """One batch in the caller's transaction: (orgs done, finished), or None when another
        runner finished it first."""
        claimed = conn.execute(_CLAIM, {"name": backfill.name}).one_or_none()
        if claimed is None:
            return None
        orgs = list(conn.execute(_NEXT_ORGS, {"after": claimed.last_org_id or _FIRST,
                                              "limit": self._batch_size}).scalars())
        conn.exec_driver_sql(f"SET LOCAL ROLE {conn.execute(_APP_ROLE).scalar_one()}")
        for org_id in orgs:
            conn.exec_driver_sql(f"SET LOCAL app.org_id = '{uuid.UUID(str(org_id))}'")
            conn.execute(text(backfill.statement), {"org_id": org_id})
        conn.exec_driver_sql("RESET ROLE")  # the owner again, to record the batch
        if len(orgs) < self._batch_size:
            conn.execute(_FINISH, {"name": backfill.name})
        if orgs:
            conn.execute(_ADVANCE, {"name": backfill.name, "last": orgs[-1], "done": len(orgs)})
        return claimed.orgs_done + len(orgs), len(orgs) < self._batch_size
