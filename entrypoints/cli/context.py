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


def confirm_destructive(yes: bool, question: str) -> None:
    """Ask before a destructive command, or take --yes; with no one at a terminal to ask,
    refuse (a script must say --yes)."""
    if yes:
        return
    if sys.stdin is None or not sys.stdin.isatty():  # one line and exit 1 (GroundworkGroup)
        raise DomainError(f"{question} Refused: no terminal to confirm at; pass --yes.",
                          code="confirmation_required")
    click.confirm(question, abort=True)
