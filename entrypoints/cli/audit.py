"""`groundwork audit verify`: recompute the hash chains."""

from __future__ import annotations

import sys

import click

from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.output import emit


@click.group("audit")
def group() -> None:
    """Inspect the tamper-evident audit trail."""


@group.command()
@click.option("--org", "slug", default=None, help="Only this organization.")
@json_option
@pass_context
def verify(ctx: CliContext, slug: str | None, as_json: bool) -> None:
    """Recompute every org's hash chain and name the first broken link; exit 1 if any."""
    reports = ctx.container.application.audit_verifier().verify(slug)
    rows = [{"org": r.slug, "entries": r.entries, "intact": r.intact,
             "broken_seq": r.broken.seq if r.broken else None,
             "broken_entry": r.broken.entry_id if r.broken else None,
             "reason": r.broken.reason if r.broken else None} for r in reports]
    emit(rows, as_json=as_json)
    if any(not r.intact for r in reports):
        for r in reports:
            if r.broken:
                click.echo(f"error: audit chain of {r.slug!r} broken at entry #{r.broken.seq} "
                           f"({r.broken.entry_id}): {r.broken.reason}", err=True)
        sys.exit(1)
