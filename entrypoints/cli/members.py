"""`groundwork member`: memberships and roles."""

from __future__ import annotations

import click

from application.members import AddMember, ChangeRole, RemoveMember
from application.passwords import IssuePasswordLink
from domain.member import Role
from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.links import how_to_sign_in
from entrypoints.cli.output import emit

MEMBER_COLUMNS = ["email", "full_name", "role", "id", "created_at", "last_sign_in_at"]
org_option = click.option("--org", "slug", required=True, help="The organization's slug.")
role_choice = click.Choice([r.value for r in Role], case_sensitive=False)


@click.group("member")
def group() -> None:
    """Add, list, re-role and remove members."""


@group.command()
@org_option
@click.option("--email", required=True)
@click.option("--role", type=role_choice, default="member", show_default=True)
@click.option("--name", "full_name", default=None, help="Full name, if the user is new.")
@json_option
@pass_context
def add(ctx: CliContext, slug, email, role, full_name, as_json):
    """Add a user (created if new) to an organization; one with no password yet is mailed a
    single-use link to set one, which is also printed."""
    member = ctx.container.application.members().add(
        AddMember(slug=slug, email=email, role=role, full_name=full_name, actor=ctx.actor))
    link = ctx.container.application.passwords().welcome(
        IssuePasswordLink(email=member.email, actor=ctx.actor))
    emit(member, as_json=as_json, columns=MEMBER_COLUMNS)
    if not as_json:
        click.echo(how_to_sign_in(member.email, link, ctx.settings.public_url), err=True)


@group.command("list")
@org_option
@json_option
@pass_context
def list_(ctx: CliContext, slug: str, as_json: bool) -> None:
    """List an organization's members."""
    members = ctx.container.application.members().every(slug, ctx.actor)
    emit(members, as_json=as_json, columns=MEMBER_COLUMNS)


@group.command()
@org_option
@click.argument("member")
@click.option("--role", type=role_choice, required=True)
@json_option
@pass_context
def role(ctx: CliContext, slug: str, member: str, role: str, as_json: bool) -> None:
    """Change MEMBER's role (MEMBER is an email or a member id)."""
    view = ctx.container.application.members().change_role(
        ChangeRole(slug=slug, member=member, role=role, actor=ctx.actor))
    emit(view, as_json=as_json, columns=MEMBER_COLUMNS)


@group.command()
@org_option
@click.argument("member")
@json_option
@pass_context
def remove(ctx: CliContext, slug: str, member: str, as_json: bool) -> None:
    """Remove MEMBER (an email or a member id); the last owner stays."""
    view = ctx.container.application.members().remove(
        RemoveMember(slug=slug, member=member, actor=ctx.actor))
    emit(view, as_json=as_json, columns=MEMBER_COLUMNS)
