"""Tenant backfills: data migrations that rewrite every org's rows, one org at a time.

A revision registers one by name (helpers.register_backfill); `groundwork db upgrade` runs it
after the schema change has committed (adapters/postgres/tenant_backfills.py). Its statement
runs once per org as the application role, with `SET LOCAL app.org_id` bound to that org and
`:org_id` given: row-level security keeps a statement that forgot its filter to the one org, and
on Citus the filter routes it to the org's shard. It has the app's privileges, no more: what
needs the owner belongs in the revision. It must be idempotent: a batch cut short is run again.
"""

from __future__ import annotations

from attrs import define


@define(frozen=True)
class TenantBackfill:
    name: str  # the revision that registers it
    statement: str


BACKFILLS = {backfill.name: backfill for backfill in (
    TenantBackfill(
        name="0023_member_last_sign_in",
        # Each member's latest sign-in in the org's audit log; a sign-in recorded since the
        # revision (newer) is kept.
        statement="""
            UPDATE members m SET last_sign_in_at = latest.at
            FROM (SELECT a.actor_id, max(a.created_at) AS at FROM audit_entries a
                  WHERE a.org_id = :org_id AND a.action = 'auth.login'
                    AND a.actor_id IS NOT NULL
                  GROUP BY a.actor_id) latest
            WHERE m.org_id = :org_id AND m.user_id = latest.actor_id
              AND (m.last_sign_in_at IS NULL OR m.last_sign_in_at < latest.at)"""),
)}
