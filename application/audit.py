"""Checking the audit trail: recompute every org's hash chain and name the first broken link."""

from __future__ import annotations

from attrs import define

from application.lookups import live_org
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import BrokenLink, find_broken_link


@define(frozen=True)
class ChainReport:
    slug: str
    entries: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


class AuditVerifier:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def verify(self, slug: str | None = None) -> list[ChainReport]:
        with self._uow_factory() as uow:
            if slug is not None:
                orgs = [live_org(uow, slug)]
            else:
                orgs = uow.orgs.list(include_deleted=True)
        return [self._verify_one(org.id, org.slug) for org in orgs]

    def _verify_one(self, org_id, slug: str) -> ChainReport:
        with self._uow_factory() as uow:
            uow.bind(org_id)
            entries = list(uow.audit.entries(org_id))
        return ChainReport(slug=slug, entries=len(entries), broken=find_broken_link(entries))
