"""`groundwork org`: create and inspect organizations."""

from __future__ import annotations

import json
from pathlib import Path

import click

from adapters.storage.export_folder import FolderExportFiles
from application.org_import import StoredExportFiles
from application.organizations import (
    CreateOrganization,
    DeleteOrganization,
    GetOrganization,
    ListOrganizations,
)
from entrypoints.cli.context import (
    CliContext,
    confirm_destructive,
    json_option,
    pass_context,
    yes_option,
)
from entrypoints.cli.output import emit, table_progress
from entrypoints.cli.plans import LIMIT_NAMES, limit_value

ORG_COLUMNS = ["slug", "name", "plan", "status", "id", "created_at"]


@click.group("org")
def group() -> None:
    """Organizations over their life: create, inspect, plan and limits, suspend, delete,
    restore, purge and import."""


def _settings(raw: str | None) -> dict:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"not JSON: {error.msg}", param_hint="--settings") from None
    return value


@group.command()
@click.option("--name", required=True, help="Display name.")
@click.option("--slug", required=True, help="URL identifier: 3-63 of a-z, 0-9 and hyphens.")
@click.option("--owner-email", required=True, help="The first owner; created if new.")
@click.option("--owner-name", default=None, help="The owner's full name, if the user is new.")
@click.option("--plan", default="free", show_default=True)
@click.option("--settings", "settings_json", default=None, help="Settings as a JSON object.")
@json_option
@pass_context
def create(ctx: CliContext, name, slug, owner_email, owner_name, plan, settings_json, as_json):
    """Create an organization with its first owner."""
    org = ctx.container.application.organizations().create(CreateOrganization(
        name=name, slug=slug, owner_email=owner_email, owner_name=owner_name, plan=plan,
        settings=_settings(settings_json), actor=ctx.actor))
    emit(org, as_json=as_json, columns=ORG_COLUMNS)


@group.command("list")
@click.option("--all", "include_deleted", is_flag=True, help="Include deleted organizations.")
@json_option
@pass_context
def list_(ctx: CliContext, include_deleted: bool, as_json: bool) -> None:
    """List organizations."""
    orgs = ctx.container.application.organizations().list(
        ListOrganizations(actor=ctx.actor, include_deleted=include_deleted))
    emit(orgs, as_json=as_json, columns=ORG_COLUMNS)


@group.command()
@click.argument("slug")
@json_option
@pass_context
def show(ctx: CliContext, slug: str, as_json: bool) -> None:
    """Show one organization, settings included."""
    org = ctx.container.application.organizations().get(GetOrganization(slug=slug, actor=ctx.actor))
    emit(org, as_json=as_json, columns=[*ORG_COLUMNS, "settings"])


@group.command()
@click.argument("slug")
@json_option
@pass_context
def delete(ctx: CliContext, slug: str, as_json: bool) -> None:
    """Delete an organization that holds only its owners (refused, listing what blocks it)."""
    org = ctx.container.application.organizations().delete(
        DeleteOrganization(slug=slug, actor=ctx.actor))
    emit(org, as_json=as_json, columns=ORG_COLUMNS)


@group.command("plan")
@click.argument("slug")
@click.argument("plan")
@json_option
@pass_context
def move_to_plan(ctx: CliContext, slug: str, plan: str, as_json: bool) -> None:
    """Move the org SLUG to PLAN (free, pro, enterprise)."""
    moved = ctx.container.application.quotas().move_to_plan(slug, plan, ctx.actor)
    emit({"slug": slug, "plan": moved}, as_json=as_json)


@group.command("limit")
@click.argument("slug")
@click.argument("limit", type=LIMIT_NAMES)
@click.argument("value", required=False)
@click.option("--clear", is_flag=True, help="Back to the plan's limit.")
@json_option
@pass_context
def override_limit(ctx: CliContext, slug: str, limit: str, value: str | None, clear: bool,
                   as_json: bool) -> None:
    """Give the org SLUG its own LIMIT (a number, or `none`), over its plan's; --clear drops it."""
    if value is None and not clear:
        raise click.UsageError("give a VALUE, or --clear")
    overrides = ctx.container.application.quotas().override(
        slug, limit, None if clear else limit_value(value), ctx.actor, clear=clear)
    emit({"slug": slug, "overrides": overrides}, as_json=as_json)


@group.command()
@click.argument("slug")
@click.option("--reason", required=True, help="Why: kept in the org's audit log.")
@json_option
@pass_context
def suspend(ctx: CliContext, slug: str, reason: str, as_json: bool) -> None:
    """Suspend SLUG: sign-in and API refused (403 org_suspended) until it is resumed."""
    org = ctx.container.application.org_lifecycle().suspend(slug, ctx.actor, reason)
    emit(org, as_json=as_json, columns=ORG_COLUMNS)


@group.command()
@click.argument("slug")
@json_option
@pass_context
def resume(ctx: CliContext, slug: str, as_json: bool) -> None:
    """Lift the suspension of SLUG."""
    org = ctx.container.application.org_lifecycle().resume(slug, ctx.actor)
    emit(org, as_json=as_json, columns=ORG_COLUMNS)


@group.command()
@click.argument("slug")
@json_option
@pass_context
def restore(ctx: CliContext, slug: str, as_json: bool) -> None:
    """Bring back the deleted org SLUG, within DELETION_GRACE_DAYS of its deletion."""
    org = ctx.container.application.org_lifecycle().restore(slug, ctx.actor)
    emit(org, as_json=as_json, columns=ORG_COLUMNS)


@group.command()
@click.argument("slug")
@click.option("--now", "before_grace_ends", is_flag=True,
              help="Purge before DELETION_GRACE_DAYS have passed since the deletion.")
@yes_option
@json_option
@pass_context
def purge(ctx: CliContext, slug: str, before_grace_ends: bool, yes: bool, as_json: bool) -> None:
    """Purge the deleted org SLUG for good: export it (kept under platform/purged/), delete its
    rows and objects, write a purge certificate, free the slug."""
    confirm_destructive(yes, f"Purge {slug!r} and every row and file of it?")
    certificate = ctx.container.application.org_purge().purge(
        slug, ctx.actor, before_grace_ends=before_grace_ends, progress=table_progress(as_json))
    emit({"slug": certificate.body["slug"], "org_id": certificate.body["org_id"],
          "rows_deleted": sum(certificate.body["rows_deleted"].values()),
          "objects_deleted": certificate.body["objects_deleted"],
          "certificate": certificate.key, "export": certificate.export_manifest},
         as_json=as_json)


@group.command("import")
@click.argument("export")
@click.option("--slug", "new_slug", help="Import under this slug (a copy, when the org exists).")
@click.option("--accept-unsigned", is_flag=True,
              help="Import an export this server did not sign (another deployment's, or edited "
                   "by hand): only if you trust where it comes from.")
@json_option
@pass_context
def import_(ctx: CliContext, export: str, new_slug: str | None, accept_unsigned: bool,
            as_json: bool) -> None:
    """Bring an org back from EXPORT: a folder holding an export's manifest.json and files, or
    the object-store key of its manifest (a purge prints it)."""
    local = Path(export)
    if local.exists():
        files = FolderExportFiles(local.parent if local.is_file() else local)
    elif export.startswith(("/", ".", "~")):
        raise click.UsageError(f"no file or folder {export}")
    else:
        files = StoredExportFiles(ctx.container.adapters.object_store(), export)
    report = ctx.container.application.org_import().load(
        files, ctx.actor, slug=new_slug, accept_unsigned=accept_unsigned,
        progress=table_progress(as_json))
    emit({"slug": report.slug, "org_id": report.org_id, "source_org_id": report.source_org_id,
          "rows": sum(report.counts.values()), "accounts_created": report.accounts_created,
          "rechained": report.rechained}, as_json=as_json)
