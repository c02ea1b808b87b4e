"""`groundwork plan`: the plans and their limits, edited by operators."""

from __future__ import annotations

import click

from domain.quota import Limit
from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.output import emit
from entrypoints.http.fields import ascii_integer

LIMIT_NAMES = click.Choice([limit.value for limit in Limit])


def limit_value(raw: str) -> int | None:
    """A whole number, or `none` for no limit."""
    if raw.strip().lower() == "none":
        return None
    try:
        return ascii_integer(raw)
    except ValueError:
        raise click.BadParameter("a whole number in digits 0-9, or `none`",
                                 param_hint="VALUE") from None


@click.group("plan")
def group() -> None:
    """List plans and change their limits."""


@group.command("list")
@json_option
@pass_context
def list_plans(ctx: CliContext, as_json: bool) -> None:
    """Each plan with its limits (`-`: none)."""
    plans = ctx.container.application.quotas().plans()
    emit([{"plan": name, **limits} for name, limits in plans.items()], as_json=as_json,
         columns=["plan", *(limit.value for limit in Limit)])


@group.command("set")
@click.argument("plan")
@click.argument("limit", type=LIMIT_NAMES)
@click.argument("value")
@json_option
@pass_context
def set_limit(ctx: CliContext, plan: str, limit: str, value: str, as_json: bool) -> None:
    """Set one LIMIT of PLAN to VALUE (a number, or `none`), for every org on it."""
    limits = ctx.container.application.quotas().set_plan_limit(plan, limit, limit_value(value))
    emit({"plan": plan, **limits}, as_json=as_json)
