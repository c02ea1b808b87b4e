"""`groundwork platform`: cross-tenant reports, read as the `<database>_platform` role."""

from __future__ import annotations

import click

from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.output import emit

ORG_COLUMNS = ["slug", "plan", "status", "members", "max_members", "api_keys", "max_api_keys",
               "last_activity", "created_at"]


@click.group("platform")
def group() -> None:
    """Reports across every org: counts and times, never an org's data."""


@group.command("orgs")
@json_option
@pass_context
def orgs(ctx: CliContext, as_json: bool) -> None:
    """Each org with its plan, status, members and keys against its limits (`-`: none), and its
    last activity (its newest audit entry)."""
    emit(ctx.container.application.platform().orgs(), as_json=as_json, columns=ORG_COLUMNS)


@group.command("usage")
@json_option
@pass_context
def usage(ctx: CliContext, as_json: bool) -> None:
    """Per plan and status: orgs, members, live API keys, and orgs at a limit."""
    emit(ctx.container.application.platform().usage(), as_json=as_json)
