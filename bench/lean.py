"""The lean baseline: hand-written routes that keep every guarantee Groundwork keeps.

An HS256 JWT checked by pyjwt with the same claims, issuer and audience; the session row still
live (so logout and removal are immediate); the member and the org read in one joined query;
the tenant bound per transaction with SET LOCAL; the list read through RLS joined with users;
all in one transaction, as the application role. Plain psycopg on a SQLAlchemy pool, as a
careful engineer would write it by hand: BEGIN (implicit), SET LOCAL, the principal, the read,
COMMIT, each its own round trip. An API key's last use is not recorded here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime

import jwt
from flask import Flask, abort, jsonify, request
from sqlalchemy import create_engine

from domain.audit import Actor, ActorType, AuditEntry, AuditEvent
from domain.settings import validate_settings

PRINCIPAL = """
SELECT o.slug, o.settings, m.role, u.email FROM sessions s
JOIN members m ON m.org_id = s.org_id AND m.user_id = s.user_id
JOIN users u ON u.id = s.user_id JOIN org o ON o.id = s.org_id
WHERE s.org_id = %(org)s AND m.org_id = %(org)s AND s.id = %(sid)s AND s.user_id = %(sub)s
  AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active' AND o.status = 'active'
"""
KEY = """
SELECT o.slug, k.secret_hash, k.scopes FROM api_keys k JOIN org o ON o.id = k.org_id
WHERE k.org_id = %(org)s AND k.prefix = %(prefix)s AND k.revoked_at IS NULL
  AND (k.expires_at IS NULL OR k.expires_at > now()) AND o.status = 'active'
"""
MEMBERS = """
SELECT m.id, m.user_id, u.email, u.full_name, m.role, m.created_at FROM members m
JOIN users u ON u.id = m.user_id WHERE m.org_id = %(org)s
ORDER BY m.created_at, m.id LIMIT %(limit)s
"""
HEAD = "SELECT * FROM audit_entries WHERE org_id = %(org)s ORDER BY seq DESC LIMIT 1"
APPEND = """
INSERT INTO audit_entries (org_id, id, seq, actor_type, actor_id, actor_label, action, resource_type,
  resource_id, details, ip, user_agent, created_at, updated_at, prev_hash, hash, hash_version,
  pii_salts, erased)
VALUES (%(org_id)s, %(id)s, %(seq)s, %(actor_type)s, %(actor_id)s, %(actor_label)s, %(action)s,
  %(resource_type)s, %(resource_id)s, %(details)s, %(ip)s, %(user_agent)s, %(created_at)s,
  %(created_at)s, %(prev_hash)s, %(hash)s, %(hash_version)s, %(pii_salts)s, %(erased)s)
ON CONFLICT (org_id, seq) DO NOTHING RETURNING seq
"""
READ_SCOPES = {"org:read", "org:write", "members:write"}


def register(app: Flask, app_url, secret_key: str, pool_size: int) -> None:
    engine = create_engine(app_url, pool_size=pool_size, max_overflow=pool_size)

    def claims() -> dict:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            found = jwt.decode(token, secret_key, algorithms=["HS256"], audience="groundwork-api",
                               issuer="groundwork", options={"require": ["exp", "sub", "org", "sid"]})
        except jwt.PyJWTError:
            abort(401)
        if found.get("typ") != "access":
            abort(401)
        return found

    def session_tx(cur, slug: str):
        c = claims()
        cur.execute(f"SET LOCAL app.org_id = '{uuid.UUID(c['org'])}'")
        cur.execute(PRINCIPAL, {"org": c["org"], "sid": c["sid"], "sub": c["sub"]})
        row = cur.fetchone()
        if row is None:
            abort(401)
        if row[0] != slug:
            abort(404)
        return c, row

    def members_of(cur, org) -> list[dict]:
        cur.execute(MEMBERS, {"org": org, "limit": int(request.args.get("limit", 200))})
        return [{"id": r[0], "user_id": r[1], "email": r[2], "full_name": r[3], "role": r[4],
                 "created_at": r[5].isoformat()} for r in cur.fetchall()]

    @app.get("/bench/lean/orgs/<slug>/members")
    def lean_members(slug: str):
        with engine.raw_connection() as raw:  # noqa: SIM117
            with raw.cursor() as cur:
                c, _ = session_tx(cur, slug)
                body = members_of(cur, c["org"])
            raw.commit()
        return jsonify(body)

    @app.get("/bench/lean/key/orgs/<slug>/members")
    def lean_members_by_key(slug: str):
        marker, _, rest = request.headers.get("Authorization", "").removeprefix("Bearer ").partition("_")
        prefix, _, secret = rest.partition("_")
        if marker != "gw" or not prefix or not secret:
            abort(401)
        with engine.raw_connection() as raw:  # noqa: SIM117
            with raw.cursor() as cur:
                cur.execute("SELECT org_id FROM api_key_prefixes WHERE prefix = %s", (prefix,))
                found = cur.fetchone()
                if found is None:
                    abort(401)
                cur.execute(f"SET LOCAL app.org_id = '{uuid.UUID(str(found[0]))}'")
                cur.execute(KEY, {"org": found[0], "prefix": prefix})
                key = cur.fetchone()
                digest = hashlib.sha256(secret.encode()).hexdigest()
                if key is None or not hmac.compare_digest(key[1], digest):
                    abort(401)
                if key[0] != slug:
                    abort(404)
                if not READ_SCOPES & set(key[2]):
                    abort(403)
                body = members_of(cur, found[0])
            raw.commit()
        return jsonify(body)

    @app.patch("/bench/lean/orgs/<slug>")
    def lean_settings(slug: str):
        changes = (request.get_json(silent=True) or {}).get("settings") or {}
        with engine.raw_connection() as raw:  # noqa: SIM117
            with raw.cursor() as cur:
                c, (_, settings, role, email) = session_tx(cur, slug)
                if role not in ("owner", "admin"):
                    abort(403)
                merged = validate_settings({**settings, **changes})
                changed = sorted(k for k in merged if settings.get(k) != merged[k])
                now = datetime.now(UTC)
                cur.execute("UPDATE org SET settings = %s, updated_at = %s WHERE id = %s",
                            (json.dumps(merged), now, c["org"]))
                actor = Actor(type=ActorType.USER, label=email, id=uuid.UUID(c["sub"]))
                event = AuditEvent(actor=actor, action="org.updated", resource_type="org",
                                   resource_id=c["org"], details={"settings": changed})
                while True:
                    cur.execute(HEAD, {"org": c["org"]})
                    head = cur.fetchone()
                    previous = _entry(cur, head) if head else None
                    entry = AuditEntry.chained(event, org_id=uuid.UUID(c["org"]), id=uuid.uuid4(),
                                               now=now, previous=previous)
                    values = {**entry.content(), "hash": entry.hash,
                              "actor_type": entry.actor_type.value,
                              "details": json.dumps(entry.details),
                              "hash_version": entry.hash_version,
                              "pii_salts": json.dumps(entry.pii_salts), "erased": "{}"}
                    cur.execute(APPEND, values)
                    if cur.fetchone() is not None:
                        break
            raw.commit()
        return jsonify({"slug": slug, "settings": merged})


def _entry(cur, row) -> AuditEntry:
    values = dict(zip([d.name for d in cur.description], row, strict=True))
    values.pop("updated_at")
    values["actor_type"] = ActorType(values["actor_type"])
    return AuditEntry(**values)
