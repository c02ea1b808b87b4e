"""What every command shares: settings, a lazily built container, the operator as actor."""

from __future__ import annotations

from functools import cached_property

import click

from domain.audit import Actor
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
