"""`groundwork serve`: migrate, then serve the API with gunicorn."""

from __future__ import annotations

import os

import click
from gunicorn.app.base import BaseApplication

from adapters.postgres.migrator import Migrator
from entrypoints.cli.context import CliContext, pass_context
from entrypoints.secrets import resolve_secret_key


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        from entrypoints.http.app import create_app  # each worker builds its own app and pool

        return create_app()


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")),
              show_default="8000")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")),
              show_default="2")
@click.option("--reload", is_flag=True, help="Restart workers when code changes.")
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations on start.")
@pass_context
def group(ctx: CliContext, host: str, port: int, workers: int, reload: bool,
          no_migrate: bool) -> None:
    """Serve the API (Swagger UI at /docs) on the configured database."""
    # Resolved once here: workers inherit it, and a missing SECRET_KEY stops the start.
    os.environ["SECRET_KEY"] = resolve_secret_key(ctx.settings)
    if ctx.settings.backend == "postgres":
        urls = ctx.container.adapters.database_urls()
        if not no_migrate:
            Migrator(urls.owner_url).upgrade()
        # Workers reuse the resolved server instead of starting the embedded one again.
        os.environ["DATABASE_URL"] = urls.owner_url.render_as_string(hide_password=False)
        os.environ["APP_DATABASE_URL"] = urls.app_url.render_as_string(hide_password=False)
    click.echo(f"serving on http://{host}:{port} (docs at http://{host}:{port}/docs)", err=True)
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "reload": reload,
        "accesslog": None,
        "graceful_timeout": 10,
    }).run()
