"""`groundwork status`: the service at a glance, and a non-zero exit when a part of it is down."""

from __future__ import annotations

import sys
from datetime import timedelta
from importlib.metadata import version

import click
from sqlalchemy.exc import SQLAlchemyError

from adapters.postgres.migrator import Migrator
from entrypoints.cli.context import CliContext, json_option, pass_context
from entrypoints.cli.output import emit

STALLED = timedelta(seconds=30)  # as the worker judges a worker that stopped reporting in


def _seconds(age: timedelta | None) -> float | None:
    return None if age is None else round(age.total_seconds(), 1)


def _migrations(owner_url) -> dict:
    migrator = Migrator(owner_url)
    try:
        current, pending, error = migrator.current(), migrator.backfills_pending(), None
    except SQLAlchemyError as failure:
        current, pending, error = None, [], type(failure).__name__
    finally:
        migrator.dispose()
    return {"current": current, "head": migrator.head(), "up_to_date": current == migrator.head(),
            "backfills_pending": pending, "error": error}


def gather(ctx: CliContext) -> dict:
    """Each part's state; `ok` is false when one is down. Without the database (or its
    migrations), only what needs none of it."""
    adapters = ctx.container.adapters
    probes = [probe.check() for probe in adapters.readiness_probes()]
    state: dict = {"version": version("groundwork"), "backend": ctx.settings.backend,
                   "dependencies": probes}
    database = next(p for p in probes if p.name == "database")
    down = [p.name for p in probes if not p.ok]
    if ctx.settings.backend == "postgres":  # read as the owner: the app login may not exist yet
        state["migrations"] = _migrations(adapters.database_urls().owner_url)
        down += [] if state["migrations"]["up_to_date"] else ["migrations"]
    if database.ok and "migrations" not in down:  # the queue's tables are those of the head
        beats = adapters.job_queue().heartbeats()
        if beats is not None:
            alive = [age for age in beats if age < STALLED]
            state["workers"] = {"alive": len(alive), "stalled": len(beats) - len(alive),
                                "last_heartbeat_s": _seconds(beats[0]) if beats else None}
            down += [] if alive else ["workers"]
        depth = adapters.job_queue().pending()
        state["job_queue"] = {"waiting": depth.waiting, "oldest_s": _seconds(depth.oldest)}
    state["down"] = down
    state["ok"] = not down
    return state


def _rows(state: dict) -> list[dict]:
    rows = [{"part": "version", "state": "-", "detail": state["version"]}]
    rows += [{"part": p.name, "state": "up" if p.ok else "DOWN",
              "detail": f"{p.latency_ms} ms" + (f" ({p.error})" if p.error else "")}
             for p in state["dependencies"]]
    if "migrations" in state:
        m = state["migrations"]
        rows.append({"part": "migrations", "state": "ok" if m["up_to_date"] else "BEHIND",
                     "detail": f"unknown ({m['error']}), head {m['head']}" if m["error"]
                     else f"at {m['current'] or 'base'}, head {m['head']}"
                     + (f"; backfills pending: {', '.join(m['backfills_pending'])} "
                        "(groundwork db backfill)" if m["backfills_pending"] else "")})
    if "workers" in state:
        w = state["workers"]
        last = (f"last heartbeat {w['last_heartbeat_s']} s ago"
                if w["last_heartbeat_s"] is not None else "none has reported in")
        rows.append({"part": "workers", "state": "up" if w["alive"] else "DOWN",
                     "detail": f"{w['alive']} alive, {w['stalled']} stalled, {last}"})
    if "job_queue" in state:
        q = state["job_queue"]
        rows.append({"part": "job_queue", "state": "-",
                     "detail": f"{q['waiting']} waiting" + (
                         f", oldest {q['oldest_s']} s" if q["oldest_s"] is not None else "")})
    return rows


@click.command("status")
@json_option
@pass_context
def group(ctx: CliContext, as_json: bool) -> None:
    """Version, migrations, database and the other dependencies, workers and job queue; exit 1
    when any is down."""
    state = gather(ctx)
    emit(state if as_json else _rows(state), as_json=as_json)
    if not state["ok"]:
        click.echo(f"error: down: {', '.join(state['down'])}", err=True)
        sys.exit(1)
