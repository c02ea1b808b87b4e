"""Audit retention, applied by an operator (`groundwork audit prune`): each org keeps its audit
entries for its plan's `audit_retention_days` (or its own override; none: for ever). Older
entries are removed on the owner's maintenance path, never the newest, and leave a checkpoint
signed with the server's key, from which `audit verify` checks the chain on."""

from __future__ import annotations

import uuid
from datetime import datetime

import attrs
from attrs import define

from application.ports.maintenance import AuditPruner
from application.ports.security import DigestSigner
from application.ports.system import Clock, IdGenerator
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import Actor, AuditEvent
from domain.audit_retention import AuditCheckpoint, expired_before
from domain.errors import NotFound
from domain.organization import Organization
from domain.quota import Limit


@define(frozen=True)
class Pruned:
    slug: str
    retention_days: int | None  # None: kept for ever
    removed: int
    checkpoint_seq: int | None  # the last entry removed, where the chain now starts from


class AuditRetentionService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator,
                 signer: DigestSigner, pruner: AuditPruner) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._signer = signer
        self._pruner = pruner

    def retentions(self, slug: str | None = None) -> list[tuple[Organization, int | None]]:
        """Each org (or the one named, deleted ones too) with its retention in days."""
        with self._uow_factory() as uow:
            orgs = [org for org in uow.orgs.list(include_deleted=True)
                    if slug is None or org.slug == slug.strip().lower()]
            if not orgs:
                raise NotFound(f"organization {slug!r} not found", code="org_not_found")
            return [(org, uow.quotas.limits(org.id).values[Limit.AUDIT_RETENTION_DAYS])
                    for org in orgs]

    def prune(self, slug: str | None, actor: Actor) -> list[Pruned]:
        """Apply each org's retention now; an org that lost entries logs `audit.pruned`."""
        now = self._clock.now()
        done = []
        for org, days in self.retentions(slug):
            before = expired_before(now, days)
            made = None if before is None else self._pruner.prune(
                org.id, before, lambda seq, hash, removed, o=org.id: self._checkpoint(
                    o, seq, hash, removed, now))
            if made is not None:
                with self._uow_factory() as uow:
                    uow.bind(org.id)
                    uow.audit.append(org.id, AuditEvent(
                        actor=actor, action="audit.pruned", resource_type="audit_log",
                        resource_id=str(org.id), details={
                            "removed": made.removed, "checkpoint_seq": made.seq,
                            "retention_days": days}))
                    uow.commit()
            done.append(Pruned(slug=org.slug, retention_days=days,
                               removed=made.removed if made else 0,
                               checkpoint_seq=made.seq if made else None))
        return done

    def _checkpoint(self, org_id: uuid.UUID, seq: int, hash: str, removed: int,
                    now: datetime) -> AuditCheckpoint:
        made = AuditCheckpoint(org_id=org_id, id=self._ids.new_id(), seq=seq, hash=hash,
                               removed=removed, created_at=now)
        return attrs.evolve(made, signature=self._signer.sign(made.message()))
