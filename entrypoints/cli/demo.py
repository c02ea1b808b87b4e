"""`groundwork demo seed`: three demo organizations, each with an owner."""

from __future__ import annotations

import click

from application.organizations import CreateOrganization, GetOrganization
from application.passwords import IssuePasswordLink
from domain.errors import NotFound
from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.output import emit

DEMO_ORGS = (
    ("Acme Corporation", "acme", "owner@acme.test", "Ada Acme"),
    ("Globex Inc.", "globex", "owner@globex.test", "Grace Globex"),
    ("Initech", "initech", "owner@initech.test", "Ivan Initech"),
)


@click.group("demo")
def group() -> None:
    """Demo data for trying Groundwork out."""


@group.command()
@json_option
@pass_context
def seed(ctx: CliContext, as_json: bool) -> None:
    """Create the demo orgs acme, globex and initech (those that exist are left alone)."""
    service = ctx.container.application.organizations()
    rows = []
    for name, slug, email, owner in DEMO_ORGS:
        try:
            service.get(GetOrganization(slug=slug, actor=ctx.actor))
            rows.append({"slug": slug, "owner": email, "result": "exists", "password_token": None})
        except NotFound:
            service.create(CreateOrganization(name=name, slug=slug, owner_email=email,
                                              owner_name=owner, actor=ctx.actor))
            link = ctx.container.application.passwords().welcome(
                IssuePasswordLink(email=email, actor=ctx.actor))
            rows.append({"slug": slug, "owner": email, "result": "created",
                         "password_token": link.token if link else None})
    emit(rows, as_json=as_json)
    if not as_json and any(row.get("password_token") for row in rows):
        click.echo("Each new owner sets a password with POST /api/v1/auth/password "
                   '{"token": "<password_token>", "password": "<a long passphrase>"}, '
                   "then signs in.", err=True)
