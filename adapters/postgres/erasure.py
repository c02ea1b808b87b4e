"""A person's data erased where only the owner's maintenance path may change it: their fields
in audit entries (kept in the chain as digests), invitations to their addresses, the client
addresses of their sessions, their links and sign-in failures."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB

from adapters.postgres.audit_log import entry_of
from adapters.postgres.maintenance import maintenance, maintenance_on
from adapters.postgres.tables import (
    audit_entries,
    email_tokens,
    invitations,
    password_tokens,
    sessions,
    sign_in_failures,
)
from application.ports.maintenance import ErasedInOrg, PersonEraser
from application.ports.sign_in_failures import email_digest
from domain.audit import AuditEntry
from domain.audit_pii import MAY_HOLD_AN_ADDRESS, Person
from domain.user import erased_address

_c = audit_entries.c
_ERASE = (update(audit_entries)
          .where(_c.org_id == bindparam("b_org_id"), _c.id == bindparam("b_id"))
          .values({name: bindparam(f"b_{name}") for name in ("actor_label", "ip", "user_agent",
                                                              "resource_id", "updated_at")}
                  | {name: bindparam(f"b_{name}", type_=JSONB)
                     for name in ("details", "pii_salts", "erased")}))


class PgPersonEraser(PersonEraser):
    def __init__(self, owner_engine: Engine) -> None:
        self._engine = owner_engine

    def erase_in_orgs(self, org_ids: Iterable[uuid.UUID], person: Person,
                      now: datetime) -> dict[uuid.UUID, ErasedInOrg]:
        done = {}
        with self._engine.connect() as conn:
            for org_id in org_ids:
                with maintenance_on(conn, org_id):
                    done[org_id] = _erase_in_org(conn, org_id, person, now)
        return done

    def erase_global(self, person: Person) -> int:
        digests = [email_digest(address) for address in sorted(person.emails)]
        with maintenance(self._engine, None) as conn:
            links = sum(conn.execute(delete(table).where(table.c.user_id == person.user_id))
                        .rowcount for table in (password_tokens, email_tokens))
            return links + conn.execute(delete(sign_in_failures).where(or_(
                sign_in_failures.c.user_id == person.user_id,
                sign_in_failures.c.email_digest.in_(digests)))).rowcount


def _erase_in_org(conn: Connection, org_id: uuid.UUID, person: Person,
                  now: datetime) -> ErasedInOrg:
    changed: list[AuditEntry] = []
    kept = 0
    for row in conn.execute(select(audit_entries).where(_c.org_id == org_id, _mentions(person))
                            .order_by(_c.seq)):
        entry = entry_of(row)
        erased = entry.erased_for(person)
        if erased is not entry:
            changed.append(erased)
        else:
            kept += entry.keeps_data_of(person)
    if changed:
        conn.execute(_ERASE, [{f"b_{name}": getattr(e, name) for name in (
            "org_id", "id", "actor_label", "ip", "user_agent", "resource_id", "details",
            "pii_salts", "erased")} | {"b_updated_at": now} for e in changed])
    i, s = invitations.c, sessions.c
    invited = conn.execute(update(invitations).where(
        i.org_id == org_id, func.lower(i.email).in_(sorted(person.emails))).values(
        email=erased_address(person.user_id), expires_at=func.least(i.expires_at, now),
        updated_at=now)).rowcount
    conn.execute(update(sessions).where(
        s.org_id == org_id, s.user_id == person.user_id,
        or_(s.ip.is_not(None), s.user_agent.is_not(None))).values(
        ip=None, user_agent=None, updated_at=now))
    return ErasedInOrg(entries=len(changed), kept=kept, invitations=invited)


def _mentions(person: Person):
    """Entries that may hold the person's data (the domain decides which do): a superset of
    `domain.audit_pii.fields_about`, narrowed in the database."""
    me, addresses = str(person.user_id), sorted(person.emails)
    return or_(_c.actor_id == person.user_id, _c.resource_id == me,
               _c.details["user_id"].astext == me,
               func.lower(_c.actor_label).in_(addresses),
               func.lower(_c.resource_id).in_(addresses),
               *(func.lower(_c.details[key].astext).in_(addresses)
                 for key in sorted(MAY_HOLD_AN_ADDRESS)))
