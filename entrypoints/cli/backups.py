"""`groundwork backup`: the whole database to the object store (pg_dump), and back."""

from __future__ import annotations

from datetime import timedelta

import click

from adapters.schedule import ScheduledThread
from application.backups import BackupService, BackupSummary
from domain.backup import DailySchedule
from entrypoints.cli.context import (
    CliContext,
    confirm_destructive,
    json_option,
    pass_context,
    yes_option,
)
from entrypoints.cli.output import emit


def _backups(ctx: CliContext) -> BackupService:
    if ctx.settings.backend != "postgres":
        raise click.UsageError("backup commands need GROUNDWORK_BACKEND=postgres")
    return ctx.container.application.backups()


def size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    value, unit = n / 1000, "kB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


def age(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m {seconds % 60}s"


def _rows(backups: list[BackupSummary], as_json: bool) -> list[dict]:
    if as_json:
        return [{"id": b.id, "created_at": b.created_at, "size": b.size,
                 "age_seconds": int(b.age.total_seconds()), "complete": b.complete}
                for b in backups]
    return [{"id": b.id, "size": size(b.size), "age": age(b.age), "created_at": b.created_at}
            for b in backups]


def start_schedule(ctx: CliContext) -> ScheduledThread | None:
    """BACKUP_SCHEDULE's daily backup (then a prune) on a thread of `groundwork serve`."""
    schedule = DailySchedule.parse(ctx.settings.backup_schedule)
    if schedule is None:
        return None
    if ctx.settings.backend != "postgres":
        click.echo("BACKUP_SCHEDULE ignored: the memory backend has no database to back up",
                   err=True)
        return None
    backups = _backups(ctx)
    click.echo(f"backups: {schedule.describe()}, kept {ctx.settings.backup_retention_days} days",
               err=True)
    return ScheduledThread(schedule, backups.scheduled, ctx.container.adapters.clock(),
                           name="backup").start()


@click.group("backup")
def group() -> None:
    """Back the database up to the object store, list, restore and prune backups."""


@group.command()
@json_option
@pass_context
def create(ctx: CliContext, as_json: bool) -> None:
    """Dump the whole database (pg_dump, custom format) with a manifest."""
    manifest = _backups(ctx).create()
    emit({"id": manifest["id"], "size": manifest["size"] if as_json else size(manifest["size"]),
          "sha256": manifest["sha256"], "schema_revision": manifest["schema_revision"],
          "tables": len(manifest["row_counts"]), "orgs": len(manifest["chain_heads"])},
         as_json=as_json)


@group.command("list")
@json_option
@pass_context
def list_(ctx: CliContext, as_json: bool) -> None:
    """The backups, newest first, with their size and age."""
    emit(_rows(_backups(ctx).list(), as_json), as_json=as_json)


@group.command()
@click.argument("backup_id", metavar="ID")
@click.option("--database", default=None,
              help="Restore into this database on the same server (created if missing) rather "
                   "than the configured one.")
@click.option("--force", is_flag=True, help="Replace the target even if it holds tables.")
@yes_option
@json_option
@pass_context
def restore(ctx: CliContext, backup_id: str, database: str | None, force: bool, yes: bool,
            as_json: bool) -> None:
    """Restore backup ID into an empty (or missing) database; --force replaces one in use
    (asks first, unless --yes)."""
    if force:
        confirm_destructive(yes, f"Replace database {database or 'the configured one'} with "
                                 f"backup {backup_id}?")
    report = _backups(ctx).restore(backup_id, database=database, force=force)
    if as_json:
        emit(report, as_json=True)
        return
    click.echo(f"restored {report.id} into database {report.database}"
               f"{' (replaced)' if report.replaced else ''}: {report.tables} tables, "
               f"{report.rows:,} rows and {report.chains} audit chains match the manifest")


@group.command()
@click.option("--yes", is_flag=True, help="Delete without asking.")
@json_option
@pass_context
def prune(ctx: CliContext, yes: bool, as_json: bool) -> None:
    """Delete backups older than BACKUP_RETENTION_DAYS (asks first, unless --yes)."""
    backups = _backups(ctx)
    expired = backups.expired()
    days = ctx.settings.backup_retention_days
    if expired:
        confirm_destructive(yes, f"Delete these {len(expired)} backup(s) older than {days} days?",
                            "\n".join(f"  {b.id}  {age(b.age)} old" for b in expired))
    pruned = backups.prune([b.id for b in expired]) if expired else []
    if as_json:
        emit({"pruned": [b.id for b in pruned], "retention_days": days}, as_json=True)
    else:
        click.echo(f"pruned {len(pruned)} backup(s) older than {days} days")
