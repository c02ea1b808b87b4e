"""An organization's life after creation, in an operator's hands: suspended and resumed (while
suspended nobody signs in or calls the API, and they are told why), and a deleted org restored
within its grace period (its data stays until then)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.summaries import OrganizationSummary
from domain.audit import Actor, ActorType, AuditEvent
from domain.errors import Forbidden, NotFound
from domain.organization import Organization, clean_name

DEFAULT_GRACE = timedelta(days=30)


class OrgLifecycleService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock,
                 grace: timedelta = DEFAULT_GRACE) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._grace = grace

    def suspend(self, slug: str, actor: Actor, reason: str) -> OrganizationSummary:
        reason = clean_name(reason, field_name="reason")  # kept in the org's audit log
        return self._move(slug, actor, Organization.suspend, "org.suspended", {"reason": reason})

    def resume(self, slug: str, actor: Actor) -> OrganizationSummary:
        return self._move(slug, actor, Organization.resume, "org.resumed", {})

    def restore(self, slug: str, actor: Actor) -> OrganizationSummary:
        """A deleted org back, within the grace period after its deletion."""
        return self._move(slug, actor, lambda org, now: org.restore(now, self._grace),
                          "org.restored", {})

    def _move(self, slug: str, actor: Actor, change: Callable[[Organization, datetime], None],
              action: str, details: dict) -> OrganizationSummary:
        if actor.type is not ActorType.OPERATOR:
            raise Forbidden("only operators change an organization's status", code="forbidden")
        now = self._clock.now()
        with self._uow_factory() as uow:
            org: Organization | None = uow.orgs.get_by_slug(slug.strip().lower(), lock=True)
            if org is None:
                raise NotFound(f"organization {slug!r} not found", code="org_not_found")
            change(org, now)
            uow.orgs.update(org)
            uow.bind(org.id)
            uow.audit.append(org.id, AuditEvent(
                actor=actor, action=action, resource_type="org", resource_id=str(org.id),
                details={"slug": org.slug, **details}))
            uow.commit()
        return OrganizationSummary.of(org)
