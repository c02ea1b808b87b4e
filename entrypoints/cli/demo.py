"""`groundwork demo seed`: three demo organizations, each with an owner."""

from __future__ import annotations

import click

from application.organizations import CreateOrganization, GetOrganization
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
            rows.append({"slug": slug, "owner": email, "result": "exists"})
        except NotFound:
            service.create(CreateOrganization(name=name, slug=slug, owner_email=email,
                                              owner_name=owner, actor=ctx.actor))
            rows.append({"slug": slug, "owner": email, "result": "created"})
    emit(rows, as_json=as_json)
