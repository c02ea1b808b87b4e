"""Downloading a file by a link the object store signed (the filesystem store's links come back
to this server; S3's go to S3)."""

from __future__ import annotations

from collections.abc import Iterator

from application.ports.object_store import ObjectNotFound, ObjectStore
from application.ports.system import Clock
from domain.errors import NotFound


class DownloadService:
    def __init__(self, store: ObjectStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def open(self, token: str) -> tuple[str, Iterator[bytes]]:
        """The file's name and bytes; NotFound for a link that is unknown or expired."""
        try:
            key, chunks = self._store.open_download(token, self._clock.now())
        except ObjectNotFound as error:
            raise NotFound(str(error), code="download_not_found") from None
        return key.rsplit("/", 1)[-1], chunks
