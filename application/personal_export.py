"""A person's own data, theirs to take (GDPR): their profile, their memberships, their live
sessions, and the audit entries about them (they acted, or they were acted on) in each of their
organizations. Never a credential: no password hash, no two-factor secret."""

from __future__ import annotations

from typing import Any

import attrs

from application.ports.repositories import AuditFilter
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principals import SessionCredential, enter
from application.user_scope import audit_in_each
from domain.audit import AuditEvent

MAX_ENTRIES_PER_ORG = 10_000
PAGE = 1_000
# The log's own bookkeeping of personal fields, never the person's data: the salts of their
# digests (with a salt, a digest can be tried against guesses) and the digests of erased ones.
INTERNAL_ENTRY_FIELDS = frozenset({"pii_salts", "erased"})
SESSION_FIELDS = ("id", "org_id", "created_at", "updated_at", "expires_at", "ip", "user_agent")


class PersonalExportService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def export(self, credential: SessionCredential) -> dict[str, Any]:
        now = self._clock.now()
        with self._uow_factory() as uow:
            uow.bind_user(credential.user_id)  # the user scope comes before any tenant
            memberships = uow.directory.memberships_of_user(credential.user_id)
            sessions = uow.sessions.live_of_user(credential.user_id, now, limit=1_000)
            principal = enter(uow, credential, None, now=now)
            user = uow.users.get(credential.user_id)
            factor = uow.two_factor.get(credential.user_id)
        audit: list[dict[str, Any]] = []
        for membership in memberships:
            audit += self._entries_about(membership.org.id, credential.user_id)
        with self._uow_factory() as uow:
            enter(uow, credential, None, now=now)
            audit_in_each(uow, [m.org.id for m in memberships], AuditEvent(
                actor=principal.actor, action="user.exported", resource_type="user",
                resource_id=str(user.id)))
            uow.commit()
        return {
            "profile": {"id": user.id, "email": user.email, "full_name": user.full_name,
                        "status": user.status, "created_at": user.created_at,
                        "email_verified_at": user.email_verified_at,
                        "two_factor_enabled": factor is not None and factor.confirmed},
            "memberships": [{"org_id": m.org.id, "org_slug": m.org.slug, "org_name": m.org.name,
                             "role": m.role, "member_id": m.member_id} for m in memberships],
            "sessions": [{k: getattr(s, k) for k in SESSION_FIELDS} for s in sessions],
            "audit_entries": audit,
        }

    def _entries_about(self, org_id, user_id) -> list[dict[str, Any]]:
        found: dict[int, dict] = {}
        for where in (AuditFilter(actor_id=user_id), AuditFilter(resource_id=str(user_id))):
            after = 0
            with self._uow_factory() as uow:
                uow.bind(org_id)
                while len(found) < MAX_ENTRIES_PER_ORG:
                    page = uow.audit.page(org_id, where, after_seq=after, limit=PAGE)
                    for entry in page:
                        found[entry.seq] = attrs.asdict(
                            entry, recurse=False,
                            filter=lambda a, _: a.name not in INTERNAL_ENTRY_FIELDS)
                    if len(page) < PAGE:
                        break
                    after = page[-1].seq
        return [found[seq] for seq in sorted(found)]
