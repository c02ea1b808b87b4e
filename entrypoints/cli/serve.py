"""`groundwork serve`: migrate, then serve the API with gunicorn, and run a job worker beside it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping, MutableMapping

import click
from gunicorn.app.base import BaseApplication

from adapters.postgres.conventions import serving_refusal
from adapters.postgres.migrator import Migrator, schema_head
from entrypoints import gunicorn_conf
from entrypoints.cli import backups, serve_metrics
from entrypoints.cli.context import CliContext, pass_context
from entrypoints.cli.db import report_backfill
from entrypoints.cli.worker_supervisor import WorkerSupervisor
from entrypoints.config import Settings
from entrypoints.http import server_errors
from entrypoints.secrets import resolve_secret_key

# What may reach a worker of the owner's login: none of it is passed on.
OWNER_VARIABLES = ("DATABASE_URL",)


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        server_errors.install()  # before the workers fork: they inherit it

    def load(self):
        from entrypoints.http.app import create_app  # each worker builds its own app and pool

        return create_app()


def gunicorn_options(settings: Settings, *, host: str, port: int, workers: int,
                     reload: bool) -> dict:
    """The gunicorn settings (entrypoints/gunicorn_conf.py, then these options); the memory
    backend gets one worker, since each has its own store."""
    if settings.backend == "memory" and workers != 1:
        click.echo(f"memory backend: serving with 1 worker, not {workers} (each worker process "
                   "would keep a store of its own)", err=True)
        workers = 1
    production = {name: value for name, value in vars(gunicorn_conf).items()
                  if not name.startswith("_")}
    return {**production, "bind": f"{host}:{port}", "workers": workers, "reload": reload}


def refuse_a_busy_port(host: str, port: int) -> None:
    """Gunicorn retries a taken address for 5 s, logging each try: say it once, before migrating."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror} "
                                       "(another server there? pick one with --port or PORT)"
                                       ) from None


def hand_workers_the_app_login(app_url: str, environ: MutableMapping[str, str]) -> None:
    """Workers inherit `environ`: they get the application role's URL, and not the owner's.

    The owner's URL (migrations) stays in this process; a worker resolves its database from
    APP_DATABASE_URL alone (entrypoints/database.py), which starts no embedded server.
    """
    for name in OWNER_VARIABLES:
        environ.pop(name, None)
    environ["APP_DATABASE_URL"] = app_url


def start_worker(environ: Mapping[str, str]) -> subprocess.Popen:
    """`groundwork worker` beside the server, with what gunicorn's workers inherit (the app's
    login). Its output goes where the server's does."""
    return subprocess.Popen([sys.executable, "-c", "from entrypoints.cli.main import cli; cli()",
                             "worker"], env=dict(environ))


def stop_worker(worker: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM: the jobs under way finish (up to the worker's own grace), then it exits."""
    worker.terminate()
    try:
        worker.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")),
              show_default="8000")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")),
              show_default="2")
@click.option("--reload", is_flag=True, help="Restart workers when code changes.")
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations on start.")
@click.option("--no-worker", is_flag=True,
              help="Run no job worker beside the server (`groundwork worker` runs elsewhere).")
@pass_context
def group(ctx: CliContext, host: str, port: int, workers: int, reload: bool,
          no_migrate: bool, no_worker: bool) -> None:
    """Serve the API (Swagger UI at /docs) on the configured database."""
    # Resolved once here: workers inherit it, and a missing SECRET_KEY stops the start.
    os.environ["SECRET_KEY"] = resolve_secret_key(ctx.settings)
    options = gunicorn_options(ctx.settings, host=host, port=port, workers=workers, reload=reload)
    refuse_a_busy_port(host, port)
    # Mail links point at this server unless PUBLIC_URL says where the web app is.
    os.environ.setdefault("PUBLIC_URL", f"http://{host}:{port}")
    if ctx.settings.backend == "postgres":
        urls = ctx.container.adapters.database_urls()
        schema = "not migrated here (--no-migrate)"
        if not no_migrate:
            Migrator(urls.owner_url).upgrade(progress=report_backfill)
            schema = f"migrated to {schema_head()}"
        refusal = serving_refusal(urls.app_url)
        if refusal:
            raise click.ClickException(refusal)
        where = (f"embedded PostgreSQL under {ctx.settings.home}" if ctx.settings.embedded
                 else f"{urls.app_url.host}:{urls.app_url.port}/{urls.app_url.database}")
        click.echo(f"database: {where}; schema {schema}", err=True)
        # Workers reuse the resolved server (never start the embedded one again), as the app.
        hand_workers_the_app_login(urls.app_url.render_as_string(hide_password=False), os.environ)
    backups.start_schedule(ctx)  # BACKUP_SCHEDULE: a thread of this process, not of the workers
    click.echo(f"serving on http://{host}:{port} (docs at http://{host}:{port}/docs)", err=True)
    metrics_dir = serve_metrics.metrics_directory()  # before any worker forks
    options["child_exit"] = serve_metrics.child_exit
    worker, serving = None, os.getpid()
    try:
        if ctx.settings.metrics_port:
            serve_metrics.serve_metrics_port(ctx.settings, host)
        # The memory backend runs its jobs in the server; PostgreSQL queues them for a worker.
        if ctx.settings.backend == "postgres" and not no_worker:
            worker = WorkerSupervisor(lambda: start_worker(os.environ),
                                      lambda process: stop_worker(process))
            worker.begin()
        _Gunicorn(options).run()
    finally:  # gunicorn stops with SystemExit (SIGTERM, SIGINT): the worker stops with it
        # A gunicorn worker, forked in run(), leaves through here too when it exits: only the
        # serving process stops the job worker (a worker's copy would kill its sibling).
        if worker is not None and os.getpid() == serving:
            worker.end()
        metrics_dir.remove()
