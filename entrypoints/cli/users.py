"""`groundwork user`: people, across organizations."""

from __future__ import annotations

from datetime import timedelta

import click

from application.passwords import IssuePasswordLink
from application.users import SetUserStatus
from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.links import link_lines
from entrypoints.cli.output import emit


@click.group("user")
def group() -> None:
    """Manage users."""


@group.command("reset-password")
@click.argument("email")
@click.option("--ttl-hours", type=click.IntRange(1, 24 * 7), default=24, show_default=True)
@json_option
@pass_context
def reset_password(ctx: CliContext, email: str, ttl_hours: int, as_json: bool) -> None:
    """Issue a single-use link with which EMAIL sets a new password."""
    link = ctx.container.application.passwords().issue(
        IssuePasswordLink(email=email, actor=ctx.actor, ttl=timedelta(hours=ttl_hours)))
    if as_json:
        emit({"email": link.email, "token": link.token, "expires_at": link.expires_at}, as_json=True)
        return
    click.echo(link_lines(link))


@group.command()
@click.argument("email")
@json_option
@pass_context
def disable(ctx: CliContext, email: str, as_json: bool) -> None:
    """Lock EMAIL out: every session and refresh token stops working at once."""
    ended = ctx.container.application.users().set_status(
        SetUserStatus(email=email, status="disabled", actor=ctx.actor))
    emit({"email": email, "status": "disabled", "sessions_ended": ended}, as_json=as_json)


@group.command()
@click.argument("email")
@json_option
@pass_context
def enable(ctx: CliContext, email: str, as_json: bool) -> None:
    """Let EMAIL sign in again (old sessions stay ended)."""
    ctx.container.application.users().set_status(
        SetUserStatus(email=email, status="active", actor=ctx.actor))
    emit({"email": email, "status": "active"}, as_json=as_json)


@group.command("reset-two-factor")
@click.argument("email")
@json_option
@pass_context
def reset_two_factor(ctx: CliContext, email: str, as_json: bool) -> None:
    """Remove EMAIL's two-factor sign-in (a lost phone and lost recovery codes): check who is
    asking out of band first. They sign in with their password and set it up again."""
    removed = ctx.container.application.two_factor().reset_by_operator(email, ctx.actor)
    emit({"email": email, "two_factor_removed": removed}, as_json=as_json)
