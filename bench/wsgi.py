"""The WSGI app that bench/http.py serves with gunicorn: the real app plus one bare route.

    gunicorn --chdir <repo> bench.wsgi:app

Configured from the environment exactly like `groundwork serve` (which configures logging
in the CLI before gunicorn loads the app); `/bench/bare` returns a small constant JSON
through the same Flask app, hooks and server, as the floor; `/bench/lean/...` (bench/lean.py)
are hand-written routes with the same guarantees as ours, as the baseline to beat.
"""

from __future__ import annotations

import os

from bench import lean
from entrypoints.config import Settings
from entrypoints.http.app import create_app
from entrypoints.logs import configure_logging

_settings = Settings.from_env()
configure_logging(_settings.log_level, _settings.log_format)

app = create_app()
lean.register(app, os.environ["APP_DATABASE_URL"], os.environ["SECRET_KEY"],
              pool_size=_settings.pool_size)


@app.get("/bench/bare")
def bare() -> dict:
    return {"ok": True}
