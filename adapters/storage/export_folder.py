"""An export saved to a folder (downloaded from its links, or copied out of a bucket)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from adapters.storage.filesystem import CHUNK
from application.ports.object_store import ExportFiles, ObjectNotFound, checked_key


class FolderExportFiles(ExportFiles):
    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def read(self, name: str) -> Iterator[bytes]:
        path = self._folder / checked_key(name)
        try:
            handle = path.open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise ObjectNotFound(f"{path} is not there", code="export_file_missing") from None
        return _chunks(handle)


def _chunks(handle) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk
