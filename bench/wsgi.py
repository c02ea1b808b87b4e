"""The WSGI app that bench/http.py serves with gunicorn: the real app plus one bare route.

    gunicorn --chdir <repo> bench.wsgi:app

Configured from the environment exactly like `groundwork serve` (which configures logging
in the CLI before gunicorn loads the app); `/bench/bare` returns a small constant JSON
through the same Flask app, hooks and server, as the baseline to compare against.
"""

from __future__ import annotations

from entrypoints.config import Settings
from entrypoints.http.app import create_app
from entrypoints.logs import configure_logging

_settings = Settings.from_env()
configure_logging(_settings.log_level, _settings.log_format)

app = create_app()


@app.get("/bench/bare")
def bare() -> dict:
    return {"ok": True}
