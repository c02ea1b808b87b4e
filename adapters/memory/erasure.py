"""A person's data erased from the in-memory tables, as adapters/postgres/erasure.py does."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import attrs

from adapters.memory.store import Draft, MemoryStore
from application.ports.maintenance import ErasedInOrg, PersonEraser
from application.ports.sign_in_failures import email_digest
from domain.audit_pii import Person
from domain.user import erased_address


class MemoryPersonEraser(PersonEraser):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def erase_in_orgs(self, org_ids: Iterable[uuid.UUID], person: Person,
                      now: datetime) -> dict[uuid.UUID, ErasedInOrg]:
        return {org_id: self._in_transaction(lambda draft, o=org_id: _erase_in_org(
            draft, o, person, now)) for org_id in org_ids}

    def erase_global(self, person: Person) -> int:
        digests = {email_digest(address) for address in person.emails}
        return self._in_transaction(lambda draft: sum((
            _drop(draft.password_tokens, lambda t: t.user_id == person.user_id),
            _drop(draft.email_tokens, lambda t: t.user_id == person.user_id),
            _drop(draft.sign_in_failures, lambda f: f.user_id == person.user_id
                  or f.email_digest in digests))))

    def _in_transaction(self, work):
        with self._store.lock:
            draft = self._store.draft()
            done = work(draft)
            self._store.publish(draft)
            draft.close()
        return done


def _erase_in_org(draft: Draft, org_id: uuid.UUID, person: Person, now: datetime) -> ErasedInOrg:
    chain = list(draft.audit.peek(org_id, ()))
    erased = [entry.erased_for(person) for entry in chain]
    changed = sum(1 for before, after in zip(chain, erased, strict=True) if after is not before)
    if changed:
        draft.audit[org_id] = erased
    invited = 0
    for key, invitation in list(draft.invitations.items()):
        if key[0] == org_id and person.is_address(invitation.email):
            draft.invitations[key] = attrs.evolve(
                invitation, email=erased_address(person.user_id),
                expires_at=min(invitation.expires_at, now), updated_at=now)
            invited += 1
    for key, session in list(draft.sessions.items()):
        if key[0] == org_id and session.user_id == person.user_id and (
                session.ip or session.user_agent):
            draft.sessions[key] = attrs.evolve(session, ip=None, user_agent=None, updated_at=now)
    return ErasedInOrg(entries=changed, kept=sum(1 for e in chain if e.keeps_data_of(person)),
                       invitations=invited)


def _drop(table, doomed) -> int:
    keys = [key for key, row in table.items() if doomed(row)]
    for key in keys:
        table.pop(key)
    return len(keys)
