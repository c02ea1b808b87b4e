"""`groundwork audit verify`, `digest`, `prune` and `export`: recompute the hash chains, anchor
their heads in signed digests kept outside the database, apply each org's retention, and stream
an org's log out."""

from __future__ import annotations

import csv
import io
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click

from application.audit import ReadAudit, SignedDigest
from application.ports.repositories import AuditFilter
from domain.audit import ChainDigest
from entrypoints.cli.context import (
    CliContext,
    confirm_destructive,
    json_option,
    pass_context,
    yes_option,
)
from entrypoints.cli.output import emit
from entrypoints.http.audit import AuditEntrySchema

DIGESTS_FILE = "audit-digests.jsonl"


@click.group("audit")
def group() -> None:
    """Inspect the tamper-evident audit trail."""


@group.command()
@click.option("--org", "slug", default=None, help="Only this organization.")
@click.option("--digests", "digests_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also check the chains against the digests in this file "
                                 "(made by `audit digest`): finds truncation and rewrites.")
@json_option
@pass_context
def verify(ctx: CliContext, slug: str | None, digests_path: Path | None, as_json: bool) -> None:
    """Recompute every org's hash chain and name the first broken link; exit 1 if any."""
    digests = _read_digests(digests_path) if digests_path else []
    reports = ctx.container.application.audit_verifier().verify(slug, digests)
    rows = [{"org": r.slug, "entries": r.entries, "intact": r.intact,
             "broken_seq": r.broken.seq if r.broken else None,
             "broken_entry": r.broken.entry_id if r.broken else None,
             "reason": r.broken.reason if r.broken else None} for r in reports]
    emit(rows, as_json=as_json)
    if any(not r.intact for r in reports):
        for r in reports:
            if r.broken:
                click.echo(f"error: audit chain of {r.slug!r} broken at entry #{r.broken.seq} "
                           f"({r.broken.entry_id}): {r.broken.reason}", err=True)
        sys.exit(1)


@group.command()
@click.option("--org", "slug", default=None, help="Only this organization.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Append the digests to this file (default: $GROUNDWORK_HOME/{DIGESTS_FILE}). "
                   "Copy it somewhere the database's users cannot write.")
@json_option
@pass_context
def digest(ctx: CliContext, slug: str | None, out_path: Path | None, as_json: bool) -> None:
    """Sign each org's chain head (HMAC with a key from SECRET_KEY) and append it to a file."""
    made = ctx.container.application.audit_verifier().digest(slug)
    path = out_path or ctx.settings.home / DIGESTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for signed in made:
            out.write(json.dumps(_line(signed), sort_keys=True) + "\n")
    emit([{"org": s.slug, "seq": s.digest.seq, "hash": s.digest.hash} for s in made],
         as_json=as_json)
    if not as_json:
        click.echo(f"{len(made)} digest(s) appended to {path}", err=True)


@group.command()
@click.option("--org", "slug", default=None, help="Only this organization.")
@yes_option
@json_option
@pass_context
def prune(ctx: CliContext, slug: str | None, yes: bool, as_json: bool) -> None:
    """Remove the audit entries older than each org's retention (its plan's
    audit_retention_days, or its own: `org limit SLUG audit_retention_days DAYS`); each org's
    chain verifies on from the signed checkpoint they leave. Asks first, unless --yes."""
    retention = ctx.container.application.audit_retention()
    kept = [org.slug for org, days in retention.retentions(slug) if days is not None]
    if not kept:
        click.echo("no organization has an audit retention: nothing to remove", err=True)
        return
    confirm_destructive(yes, f"Remove the audit entries past their retention in "
                             f"{len(kept)} organization(s)?")
    done = retention.prune(slug, ctx.actor)
    emit([{"org": p.slug, "retention_days": p.retention_days, "removed": p.removed,
           "checkpoint_seq": p.checkpoint_seq} for p in done], as_json=as_json)


def _when(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@group.command("export")
@click.option("--org", "slug", required=True, help="The organization's slug.")
@click.option("--since", callback=_when, help="From this time (ISO 8601, UTC unless it says).")
@click.option("--until", callback=_when, help="Before this time (ISO 8601, UTC unless it says).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
@pass_context
def export(ctx: CliContext, slug: str, since: datetime | None, until: datetime | None,
           fmt: str) -> None:
    """Stream the org's audit log to stdout, oldest first, as the HTTP export writes it (the
    export is itself audited)."""
    entries = ctx.container.application.audit_reader().export(ReadAudit(
        slug=slug, actor=ctx.actor, where=AuditFilter(since=since, until=until))).entries
    schema = AuditEntrySchema()
    columns = list(schema.fields)
    if fmt == "csv":
        click.echo(_csv_line(columns), nl=False)
    for entry in entries:
        row = schema.dump(entry)
        if fmt == "jsonl":
            click.echo(json.dumps(row, sort_keys=True))
        else:
            click.echo(_csv_line([json.dumps(row[c], sort_keys=True) if c == "details" else row[c]
                                  for c in columns]), nl=False)


def _csv_line(values: list) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


def _line(signed: SignedDigest) -> dict:
    d = signed.digest
    return {"org": signed.slug, "org_id": str(d.org_id), "seq": d.seq, "hash": d.hash,
            "made_at": d.made_at.isoformat(), "signature": signed.signature}


def _read_digests(path: Path) -> list[SignedDigest]:
    try:
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        return [SignedDigest(slug=str(line["org"]), signature=str(line["signature"]),
                             digest=ChainDigest(org_id=uuid.UUID(line["org_id"]),
                                                seq=int(line["seq"]), hash=str(line["hash"]),
                                                made_at=datetime.fromisoformat(line["made_at"])))
                for line in lines]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"cannot read digests from {path}: {error}") from None
