"""`groundwork worker`: runs the queued jobs (exports, mail) until stopped. `groundwork serve`
starts one beside the server; more may run anywhere that reaches the database."""

from __future__ import annotations

import click

from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.output import emit


@click.command("worker")
@click.option("--status", is_flag=True, help="Print how many jobs wait, and for how long; exit.")
@json_option
@pass_context
def group(ctx: CliContext, status: bool, as_json: bool) -> None:
    """Run background jobs (exports, mail), each retried with backoff when it fails.

    `groundwork serve` (and so `make run`) already runs one beside the server and starts it
    again if it exits; run more anywhere that reaches the database. PostgreSQL only: the
    in-memory backend runs its jobs inline."""
    if ctx.settings.backend != "postgres":
        raise click.UsageError("the memory backend runs each job in the server, as it is asked "
                               "for: a worker needs GROUNDWORK_BACKEND=postgres")
    if status:
        depth = ctx.container.adapters.job_queue().pending()
        oldest = depth.oldest.total_seconds() if depth.oldest is not None else None
        emit({"waiting": depth.waiting, "oldest_seconds": oldest}, as_json=as_json)
        return
    click.echo("worker: running jobs until stopped (Ctrl-C)", err=True)
    ctx.container.adapters.job_worker().run()
