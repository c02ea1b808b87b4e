"""Purging a deleted org for good: its last export first (kept under `platform/`), then every
row and every object of the org in one operation, then a purge certificate in the platform log.
The slug is free again afterwards; `groundwork org import` can bring the org back from the
export the certificate names."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from attrs import define

from application.exports import MANIFEST, ExportService
from application.ports.maintenance import OrgPurger
from application.ports.object_store import ObjectStore, org_prefix
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.audit import Actor, ActorType
from domain.errors import Conflict, DomainError, Forbidden, NotFound
from domain.export import export_prefix
from domain.organization import OrgStatus, normalise_slug

CERTIFICATE_FORMAT = "groundwork-purge/1"
log = logging.getLogger(__name__)


def purged_export_prefix(org_id, export_id) -> str:
    return f"platform/purged/{org_id}/{export_id}/"


def certificate_key(org_id) -> str:
    return f"platform/purges/{org_id}.json"


@define(frozen=True)
class PurgeCertificate:
    key: str  # where it is kept in the object store
    body: dict

    @property
    def export_manifest(self) -> str:
        return self.body["export"]["manifest_key"]


class OrgPurgeService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, store: ObjectStore,
                 exports: ExportService, purger: OrgPurger, grace: timedelta) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._store = store
        self._exports = exports
        self._purger = purger
        self._grace = grace

    def purge(self, slug: str, actor: Actor, *, before_grace_ends: bool = False,
              progress: Callable[[str, int], None] | None = None) -> PurgeCertificate:
        """A deleted org, once its grace period is over (or before, when asked): exported, then
        gone. A failed export stops the purge with nothing deleted."""
        if actor.type is not ActorType.OPERATOR:
            raise Forbidden("only operators purge an organization", code="forbidden")
        now = self._clock.now()
        with self._uow_factory() as uow:
            org = uow.orgs.get_by_slug(normalise_slug(slug))
        if org is None:
            raise NotFound(f"organization {slug!r} not found", code="org_not_found")
        if org.status is not OrgStatus.DELETED:
            raise Conflict(f"organization {org.slug!r} is {org.status}: only a deleted org is "
                           f"purged (groundwork org delete {org.slug})", code="org_status")
        grace_ends = org.updated_at + self._grace
        if now < grace_ends and not before_grace_ends:
            raise Conflict(f"organization {org.slug!r} can be restored until "
                           f"{grace_ends.isoformat(timespec='seconds')}; purge it before then "
                           "with --now", code="grace_period_running")

        export = self._exports.create_for(org.id, actor, progress)
        if export.status != "done":
            raise DomainError(f"the export before the purge failed ({export.error}): nothing "
                              "was deleted", code="export_failed")
        manifest_key, manifest_sha256 = self._keep_export(org.id, export.id)
        counts = self._purger.purge(org.id)
        objects = self._store.delete_prefix(org_prefix(org.id))
        body = {
            "format": CERTIFICATE_FORMAT, "org_id": str(org.id), "slug": org.slug,
            "name": org.name, "plan": str(org.plan), "deleted_at": org.updated_at.isoformat(),
            "purged_at": self._clock.now().isoformat(), "purged_by": actor.label,
            "rows_deleted": counts, "objects_deleted": objects,
            "export": {"id": str(export.id), "manifest_key": manifest_key,
                       "manifest_sha256": manifest_sha256, "counts": export.counts},
        }
        encoded = json.dumps(body, indent=2, sort_keys=True).encode()
        stored = self._store.put(certificate_key(org.id), [encoded],
                                 sha256=hashlib.sha256(encoded).hexdigest())
        log.info("org purged", extra={"org_id": str(org.id), "rows": sum(counts.values()),
                                      "objects": objects, "certificate": stored.key})
        return PurgeCertificate(key=stored.key, body=body)

    def _keep_export(self, org_id, export_id) -> tuple[str, str]:
        """The export's files copied out of the org's own prefix (which the purge empties), each
        checked against its digest; the kept manifest's key and SHA-256."""
        source = export_prefix(org_id, export_id)
        target = purged_export_prefix(org_id, export_id)
        for found in self._store.list(source):
            name = found.key.removeprefix(source)
            self._store.put(target + name, self._store.get(found.key), sha256=found.sha256)
        manifest = self._store.head(target + MANIFEST)
        return manifest.key, manifest.sha256
