"""Tables for people, JSON for scripts."""

from __future__ import annotations

import json
from typing import Any

import click

from entrypoints.plain import plain


def emit(data: Any, *, as_json: bool, columns: list[str] | None = None) -> None:
    """Print `data` (a record or a list of records) as JSON or as an aligned table."""
    data = plain(data)
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=False))
        return
    rows = data if isinstance(data, list) else [data]
    if not rows:
        click.echo("(none)")
        return
    columns = columns or list(rows[0].keys())
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def table_progress(as_json: bool):
    """`progress(table, rows)` for a command that walks an org's tables: a line each on stderr
    (nothing when printing JSON)."""
    def progress(table: str, rows: int) -> None:
        if not as_json:
            click.echo(f"  {table:<15} {rows:>9,} rows", err=True)
    return progress
