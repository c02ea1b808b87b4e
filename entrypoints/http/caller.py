"""Who the request's credential names, kept for its log line and error tags.

Apart from entrypoints/http/observability.py: the CLI imports the views (and so this), and must
not import prometheus_client before `groundwork serve` says where its workers write metrics."""

from __future__ import annotations

import sentry_sdk
from flask import g


def note_caller(**ids: str) -> None:
    """org_id, user_id or key_id: what the edge already knows, never a database read."""
    g.caller = {name: value for name, value in ids.items() if value}
    if "org_id" in g.caller:
        sentry_sdk.set_tag("org_id", g.caller["org_id"])
