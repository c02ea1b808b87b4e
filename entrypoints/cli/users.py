"""`groundwork user`: people, across organizations."""

from __future__ import annotations

from datetime import timedelta

import click

from application.passwords import IssuePasswordLink
from application.users import SetUserStatus
from entrypoints.cli.context import (
    CliContext,
    confirm_destructive,
    json_option,
    pass_context,
    yes_option,
)
from entrypoints.cli.links import link_lines
from entrypoints.cli.output import emit


@click.group("user")
def group() -> None:
    """People: password links, disabling, a lost second factor, erasure."""


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
    click.echo(link_lines(link, ctx.settings.public_url))


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


@group.command()
@click.argument("email", required=False)
@click.option("--pending", is_flag=True,
              help="Instead: finish every erasure begun (accounts their owners deleted).")
@yes_option
@json_option
@pass_context
def erase(ctx: CliContext, email: str | None, pending: bool, yes: bool, as_json: bool) -> None:
    """Erase EMAIL for good (GDPR): memberships, sessions, the API keys they made and their
    links end; their name and address go, from the audit logs too (the chains still verify).
    Refused while they are an org's only owner. `--pending` finishes the accounts people
    deleted themselves, and any erasure cut short: run it daily."""
    if email is not None and pending:
        raise click.UsageError("give an EMAIL or --pending, not both")
    if email is None and not pending:
        raise click.UsageError("give an EMAIL, or --pending")
    erasure = ctx.container.application.erasure()
    if pending:
        done = erasure.finish_pending(ctx.actor)
    else:
        confirm_destructive(yes, f"Erase {email} for good?")
        done = [erasure.erase(email, ctx.actor)]
    emit([{"user_id": e.user_id, "orgs": e.orgs, "memberships_ended": e.memberships_ended,
           "sessions_ended": e.sessions_ended, "api_keys_revoked": e.api_keys_revoked,
           "entries_erased": e.entries_erased, "entries_kept": e.entries_kept,
           "invitations_erased": e.invitations_erased} for e in done], as_json=as_json)
    kept = sum(e.entries_kept for e in done)
    if kept and not as_json:
        click.echo(f"{kept} audit entries written before hash version 2 keep their data (their "
                   "hash covers it); `audit prune` removes them in time", err=True)
