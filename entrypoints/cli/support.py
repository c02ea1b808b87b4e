"""`groundwork support`: an operator's expiring, reasoned access to one org, audited there."""

from __future__ import annotations

import click

from application.support import OpenSupport
from domain.support import MAX_MINUTES
from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.members import MEMBER_COLUMNS, org_option
from entrypoints.cli.output import emit

GRANT_COLUMNS = ["id", "operator", "state", "reason", "expires_at", "closed_at", "created_at"]


@click.group("support")
def group() -> None:
    """Open, close and list support access; read an org's members and audit log under it."""


@group.command("open")
@org_option
@click.option("--reason", required=True, help="Why: shown to the org's owners, audited.")
@click.option("--minutes", type=click.IntRange(1, MAX_MINUTES), default=30, show_default=True)
@json_option
@pass_context
def open_(ctx: CliContext, slug: str, reason: str, minutes: int, as_json: bool) -> None:
    """Open access to an org for MINUTES, audited in its log."""
    grant = ctx.container.application.support().open(
        OpenSupport(slug=slug, reason=reason, minutes=minutes, actor=ctx.actor))
    emit(grant, as_json=as_json, columns=GRANT_COLUMNS)


@group.command("close")
@org_option
@json_option
@pass_context
def close(ctx: CliContext, slug: str, as_json: bool) -> None:
    """Close your open access to an org."""
    emit(ctx.container.application.support().close(slug, ctx.actor), as_json=as_json,
         columns=GRANT_COLUMNS)


@group.command("list")
@org_option
@json_option
@pass_context
def list_(ctx: CliContext, slug: str, as_json: bool) -> None:
    """An org's support grants, newest first."""
    emit(ctx.container.application.support().grants(slug, ctx.actor), as_json=as_json,
         columns=GRANT_COLUMNS)


@group.command("members")
@org_option
@json_option
@pass_context
def members(ctx: CliContext, slug: str, as_json: bool) -> None:
    """The org's members, under your open grant."""
    emit(ctx.container.application.support().members(slug, ctx.actor), as_json=as_json,
         columns=MEMBER_COLUMNS)


@group.command("audit")
@org_option
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@json_option
@pass_context
def audit(ctx: CliContext, slug: str, limit: int, as_json: bool) -> None:
    """The org's newest audit entries, under your open grant."""
    emit(ctx.container.application.support().audit(slug, ctx.actor, limit=limit),
         as_json=as_json)
