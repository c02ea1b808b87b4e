"""`groundwork apikey`: an org's machine credentials, created (the secret shown once) and revoked."""

from __future__ import annotations

import uuid

import click

from application.api_keys import CreateApiKey
from domain.api_key import Scope
from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.output import emit
from entrypoints.plain import plain

KEY_COLUMNS = ["id", "name", "prefix", "scopes", "expires_at", "revoked_at"]
org_option = click.option("--org", "slug", required=True, help="The organization's slug.")


@click.group("apikey")
def group() -> None:
    """Create and revoke an organization's API keys."""


@group.command()
@org_option
@click.option("--name", required=True, help="What the key is for.")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice([s.value for s in Scope]), help="What it may do (repeatable).")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None,
              help="Expire it after so many days (default: never).")
@json_option
@pass_context
def create(ctx: CliContext, slug: str, name: str, scopes: tuple[str, ...],
           expires_in_days: int | None, as_json: bool) -> None:
    """Create an API key and print its secret: this once, it is never shown again."""
    created = ctx.container.application.api_keys().create(CreateApiKey(
        slug=slug, actor=ctx.actor, name=name, scopes=list(scopes),
        expires_in_days=expires_in_days))
    if as_json:
        emit({**plain(created.key), "secret": created.secret}, as_json=True)
        return
    emit(created.key, as_json=False, columns=KEY_COLUMNS)
    click.echo(f"secret (shown once, store it now): {created.secret}")


@group.command()
@org_option
@click.argument("key_id", type=click.UUID)
@json_option
@pass_context
def revoke(ctx: CliContext, slug: str, key_id: uuid.UUID, as_json: bool) -> None:
    """Revoke the key KEY_ID: it stops working at once."""
    emit(ctx.container.application.api_keys().revoke(slug, key_id, ctx.actor), as_json=as_json,
         columns=KEY_COLUMNS)
