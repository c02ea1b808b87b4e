"""`groundwork export`: an org's rows to the object store, here and now."""

from __future__ import annotations

import click

from domain.errors import DomainError
from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.output import emit, table_progress


@click.group("export")
def group() -> None:
    """Export an organization's data."""


@group.command("create")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@json_option
@pass_context
def create(ctx: CliContext, slug: str, as_json: bool) -> None:
    """Export every table of the org (JSON Lines and a manifest) to the object store, showing
    each table as it is written; prints where the manifest is."""
    export = ctx.container.application.exports().create_now(slug, ctx.actor,
                                                            table_progress(as_json))
    if export.status != "done":
        raise DomainError(f"the export failed: {export.error}", code="export_failed")
    emit({"id": export.id, "status": export.status, "counts": export.counts,
          "manifest_url": export.manifest_url}, as_json=as_json)
