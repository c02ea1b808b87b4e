"""What every command shares: settings, a lazily built container, the operator as actor."""

from __future__ import annotations

import sys
from functools import cached_property

import click

from domain.audit import Actor
from domain.errors import DomainError
from entrypoints.config import Settings
from entrypoints.container import Container, build_container


class CliContext:
    def __init__(self, settings: Settings, container: Container | None = None) -> None:
        self.settings = settings
        self._container = container

    @cached_property
    def container(self) -> Container:
        return self._container or build_container(self.settings)

    @property
    def actor(self) -> Actor:
        return Actor.operator(f"operator:{self.settings.operator}")


pass_context = click.make_pass_decorator(CliContext)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")

yes_option = click.option("--yes", is_flag=True, help="Do it without asking (scripts).")


def confirm_destructive(yes: bool, question: str, details: str = "") -> None:
    """Ask before a destructive command, or take --yes; with no one at a terminal to ask,
    refuse in one line (a script must say --yes). `details`, shown before the question, say
    what it is about."""
    if yes:
        return
    if not at_a_terminal():  # one line and exit 1 (GroundworkGroup)
        raise DomainError(f"{question} Refused: no terminal to confirm at; pass --yes.",
                          code="confirmation_required")
    if details:
        click.echo(details, err=True)
    click.confirm(question, abort=True, err=True)


def at_a_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
