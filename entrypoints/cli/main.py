"""`groundwork`: the operator's command line."""

from __future__ import annotations

import os
import signal
import sys

import click
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from domain.errors import DomainError
from entrypoints.cli import (
    apikeys,
    audit,
    backups,
    db,
    demo,
    exports,
    members,
    orgs,
    plans,
    platform,
    serve,
    status,
    support,
    users,
    worker,
)
from entrypoints.cli.context import CliContext
from entrypoints.config import Settings
from entrypoints.logs import configure_logging
from migrations.helpers import MissingExtension


def _reason(error: Exception) -> str:
    if isinstance(error, DBAPIError) and error.orig is not None:
        first = str(error.orig).strip().splitlines()[0]
        not_migrated = ("relation" in first or '_app" does not exist' in first)
        if "does not exist" in first and not_migrated:
            return f"the database is not migrated ({first}); run `groundwork db upgrade`"
        return f"database error: {first}"
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class GroundworkGroup(click.Group):
    """Turns expected failures into one line on stderr and a non-zero exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader has gone (`| head`): stop quietly, with the status SIGPIPE would give,
            # and send what is still buffered nowhere, or the exit flush fails again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(128 + signal.SIGPIPE)
        except DomainError as error:
            click.echo(f"error: {error.message}", err=True)
            sys.exit(1)
        except (MissingExtension, SQLAlchemyError, ValueError, OSError) as error:
            click.echo(f"error: {_reason(error)}", err=True)
            sys.exit(1)


@click.group(cls=GroundworkGroup)
@click.version_option(package_name="groundwork")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Operate Groundwork: migrate, serve and run jobs, manage orgs, people and keys, export,
    purge and import orgs, back up and restore, verify and prune the audit trail."""
    if ctx.obj is None:
        settings = Settings.from_env()
        configure_logging(settings.log_level, settings.log_format)
        ctx.obj = CliContext(settings)


for module in (db, orgs, plans, members, users, apikeys, audit, exports, backups, demo, serve, status,
               worker, platform, support):
    cli.add_command(module.group)
