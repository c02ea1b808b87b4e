"""Downloading a file by a link the object store signed (the filesystem store's links come back
to this server; S3's go to S3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from application.ports.object_store import ObjectNotFound, ObjectStore
from application.ports.system import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.errors import NotFound


class DownloadService:
    def __init__(self, store: ObjectStore, clock: Clock, uow_factory: UnitOfWorkFactory) -> None:
        self._store = store
        self._clock = clock
        self._uow_factory = uow_factory

    def open(self, token: str) -> tuple[str, Iterator[bytes]]:
        """The file's name and bytes; NotFound for a link that is unknown or expired, or for a
        file of an org that is suspended or deleted by now."""
        try:
            key, chunks = self._store.open_download(token, self._clock.now())
        except ObjectNotFound as error:
            raise NotFound(str(error), code="download_not_found") from None
        if not self._org_active(key):
            chunks.close()
            raise NotFound("no such download", code="download_not_found")
        return key.rsplit("/", 1)[-1], chunks

    def _org_active(self, key: str) -> bool:
        """Only an org's own files are downloaded, and only while it is active: a platform
        file (backups, purge certificates) never is, however its link was signed."""
        kind, _, rest = key.partition("/")
        if kind != "orgs":
            return False
        try:
            org_id = uuid.UUID(rest.split("/", 1)[0])
        except ValueError:
            return False
        with self._uow_factory() as uow:
            org = uow.orgs.get(org_id)
        return org is not None and org.is_active
