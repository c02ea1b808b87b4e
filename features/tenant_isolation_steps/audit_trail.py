"""The audit trail is append-only, for the application and the schema owner alike."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when
from sqlalchemy import Engine, text

from features.tenant_isolation_steps.database import Org, engine_for, run_statements


def _audit_trail(admin_engine: Engine, org: Org) -> list[tuple]:
    """Read by a superuser: every row, no tenant bound."""
    with admin_engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT id, seq, action, details, prev_hash, hash FROM audit_entries "
            "WHERE org_id = :o ORDER BY seq"), {"o": org.id})]


@given(parsers.parse('organization "{label}" has an audit trail'), target_fixture="audit_before")
def has_audit_trail(admin_engine, orgs, label):
    trail = _audit_trail(admin_engine, orgs[label])
    assert [entry[2] for entry in trail[:2]] == ["org.created", "member.added"]
    return trail


@when(parsers.re(r'(?P<who>the application|the schema owner), bound to organization "(?P<label>\w+)", '
                 r'tries to (?P<change>update|delete|truncate) its audit entries'),
      target_fixture="attempt")
def tamper_with_audit(app_engine, owner_engine, orgs, who, label, change):
    statement = {
        "update": "UPDATE audit_entries SET action = 'tampered' WHERE org_id = :org",
        "delete": "DELETE FROM audit_entries WHERE org_id = :org",
        "truncate": "TRUNCATE audit_entries",
    }[change]
    return run_statements(engine_for(who, app_engine, owner_engine), [statement],
                          org_id=orgs[label].id, params={"org": orgs[label].id})


@then(parsers.parse('the audit trail of organization "{label}" is unchanged'))
def audit_unchanged(admin_engine, orgs, audit_before, label):
    assert _audit_trail(admin_engine, orgs[label]) == audit_before
