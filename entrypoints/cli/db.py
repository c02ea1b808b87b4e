"""`groundwork db`: migrations and the schema-conventions check."""

from __future__ import annotations

import sys

import click
from sqlalchemy import create_engine

from adapters.postgres.conventions import Violation, check_conventions
from adapters.postgres.migrator import Migrator, schema_heads
from adapters.postgres.tenant_backfills import BackfillProgress
from entrypoints.cli.context import (
    CliContext,
    confirm_destructive,
    json_option,
    pass_context,
    yes_option,
)
from entrypoints.cli.output import emit


def _migrator(ctx: CliContext) -> Migrator:
    if ctx.settings.backend != "postgres":
        raise click.UsageError("db commands need GROUNDWORK_BACKEND=postgres")
    return Migrator(ctx.container.adapters.database_urls().owner_url)


@click.group("db")
def group() -> None:
    """Migrate and inspect the database."""


def report_backfill(progress: BackfillProgress) -> None:
    """One line on stderr per committed batch: how far a backfill is."""
    share = progress.done * 100 // progress.total if progress.total else 100
    state = "done" if progress.finished else "under way"
    click.echo(f"backfill {progress.name}: {progress.done:,} of {progress.total:,} orgs "
               f"({share}%), {state}", err=True)


@group.command()
@click.argument("target", default="head")
@click.option("--schema-only", is_flag=True,
              help="Apply the schema changes and leave the tenant backfills they register "
                   "pending (run them later with `groundwork db backfill`).")
@pass_context
def upgrade(ctx: CliContext, target: str, schema_only: bool) -> None:
    """Apply migrations up to TARGET (default: head), then the tenant backfills they register
    (org by org, in batches; stopped, the next run resumes where it left off)."""
    migrator = _migrator(ctx)
    migrator.upgrade(target, backfill=not schema_only, progress=report_backfill)
    click.echo(f"database at revision {migrator.current()}")
    pending = migrator.backfills_pending()
    if pending:
        click.echo(f"backfills pending: {', '.join(pending)} (groundwork db backfill)")


@group.command()
@pass_context
def backfill(ctx: CliContext) -> None:
    """Run the pending tenant backfills to their end, resuming any that stopped half way."""
    finished = _migrator(ctx).backfill(report_backfill)
    click.echo(f"backfills finished: {', '.join(finished)}" if finished
               else "no backfill pending")


@group.command()
@click.argument("target", default="-1")
@yes_option
@pass_context
def downgrade(ctx: CliContext, target: str, yes: bool) -> None:
    """Revert migrations down to TARGET (default: one step back; `base` for all). What the
    reverted revisions hold is dropped: asks first, unless --yes."""
    confirm_destructive(yes, f"Revert the database's migrations down to {target}, dropping "
                             "what they hold?")
    migrator = _migrator(ctx)
    migrator.downgrade(target)
    click.echo(f"database at revision {migrator.current() or 'base'}")


@group.command()
@json_option
@pass_context
def current(ctx: CliContext, as_json: bool) -> None:
    """Show the applied revision and the latest one."""
    migrator = _migrator(ctx)
    state = {"current": migrator.current(), "head": migrator.head()}
    state["up_to_date"] = state["current"] == state["head"]
    state["backfills_pending"] = migrator.backfills_pending()
    emit(state, as_json=as_json)


@group.command()
@json_option
@pass_context
def check(ctx: CliContext, as_json: bool) -> None:
    """Check the migration history (one head) and the live schema: tenant-table conventions,
    RLS, policies, drift from migrations."""
    migrator = _migrator(ctx)
    urls = ctx.container.adapters.database_urls()
    heads = schema_heads()
    if len(heads) > 1:
        problems = [Violation("-", "heads", f"the migration history has {len(heads)} heads: "
                                            f"{', '.join(heads)}; merge them (alembic merge)")]
    elif migrator.current() != migrator.head():
        problems = [Violation("-", "revision",
                              f"database at {migrator.current()}, migrations at {migrator.head()}")]
    else:
        engine = create_engine(urls.owner_url)
        try:
            with engine.connect() as conn:
                problems = check_conventions(conn, urls.app_url.username)
        finally:
            engine.dispose()
        problems += [Violation("-", "drift", f"schema differs from the models: {diff}")
                     for diff in migrator.drift()]
    if as_json:
        emit({"ok": not problems, "violations": problems}, as_json=True)
    elif problems:
        emit(problems, as_json=False, columns=["table", "rule", "message"])
    else:
        click.echo("schema follows every convention; no drift")
    if problems:
        sys.exit(1)
