"""Alembic, driven from code: the CLI, `make run` and the tests all migrate the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import URL, create_engine, pool

import migrations
from adapters.postgres.tables import metadata
from adapters.postgres.tenant_backfills import BackfillProgress, TenantBackfills

MIGRATIONS_DIR = Path(migrations.__file__).parent


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def schema_head() -> str | None:
    """The newest revision this code has: the schema it reads and writes."""
    return _scripts().get_current_head()


def schema_heads() -> list[str]:
    """Every head of the history: more than one is two branches that nobody merged."""
    return sorted(_scripts().get_heads())


class Migrator:
    def __init__(self, owner_url: URL | str) -> None:
        self._engine = create_engine(owner_url, poolclass=pool.NullPool, hide_parameters=True)

    def _run(self, fn, *args) -> None:
        with self._engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = conn
            try:
                fn(config, *args)
            except CommandError as error:  # an unknown target, say: one line, not a traceback
                raise ValueError(f"migrations: {error}") from None

    def upgrade(self, target: str = "head", *, backfill: bool = True,
                progress: Callable[[BackfillProgress], None] = lambda _: None) -> None:
        """The schema up to `target` in one transaction, then (unless not `backfill`) the tenant
        backfills its revisions registered, batch by batch."""
        self._run(command.upgrade, target)
        if backfill:
            self.backfill(progress)

    def backfill(self, progress: Callable[[BackfillProgress], None] = lambda _: None) -> list[str]:
        """The pending tenant backfills to their end (a run cut short resumes where it stopped)."""
        return TenantBackfills(self._engine).run(progress)

    def backfills_pending(self) -> list[str]:
        return TenantBackfills(self._engine).pending()

    def downgrade(self, target: str = "-1") -> None:
        self._run(command.downgrade, target)

    def current(self) -> str | None:
        with self._engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head(self) -> str | None:
        return schema_head()

    def revisions(self) -> list[str]:
        """Every revision id, oldest first."""
        return [s.revision for s in reversed(list(_scripts().walk_revisions()))]

    def drift(self) -> list:
        """Differences between the models and the live schema; empty when they agree."""
        with self._engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True,
                "include_object": lambda o, name, type_, r, c: not (
                    type_ == "table" and name == "alembic_version"),
            })
            return compare_metadata(context, metadata)

    def dispose(self) -> None:
        self._engine.dispose()
