"""Objects as files under a directory (the embedded default: GROUNDWORK_HOME/objects).

Each object is written to a temporary file and renamed into place, so a reader never sees half
of one; its size and SHA-256 sit beside it in `.meta/`. Download URLs point back at this server
(`/api/v1/downloads/<token>`), the token an HMAC of the key and the expiry.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from adapters.system import SystemClock
from application.ports.object_store import (
    ChecksumMismatch,
    ObjectNotFound,
    ObjectStore,
    StoredObject,
    checked_key,
)
from application.ports.security import DigestSigner
from application.ports.system import Clock

CHUNK = 1024 * 1024
_META = ".meta"


def chunks_of(source: Iterable[bytes] | BinaryIO) -> Iterator[bytes]:
    if hasattr(source, "read"):
        while chunk := source.read(CHUNK):
            yield chunk
    else:
        yield from source


class FilesystemObjectStore(ObjectStore):
    def __init__(self, root: Path, signer: DigestSigner, public_url: str,
                 clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._root = root
        self._signer = signer
        self._public_url = public_url.rstrip("/")

    def put(self, key: str, chunks: Iterable[bytes] | BinaryIO, *,
            sha256: str | None = None) -> StoredObject:
        path = self._path(checked_key(key))
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        digest, size = hashlib.sha256(), 0
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks_of(chunks):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            if sha256 is not None and digest.hexdigest() != sha256:
                raise ChecksumMismatch(f"{key}: the bytes are not those of sha256 {sha256}")
            stored = StoredObject(key=key, size=size, sha256=digest.hexdigest(),
                                  stored_at=self._clock.now())
            meta = self._meta(key)
            meta.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            meta.write_text(json.dumps({"size": size, "sha256": stored.sha256,
                                        "stored_at": stored.stored_at.isoformat()}))
            os.replace(temporary, path)
            return stored
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    def probe(self) -> None:
        self._root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.TemporaryFile(dir=self._root):
            pass  # the disk takes a write (full or read-only: it raises)

    def get(self, key: str) -> Iterator[bytes]:
        path = self._path(checked_key(key))
        try:
            handle = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(f"no object {key!r}") from None
        return self._read(handle)

    @staticmethod
    def _read(handle) -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def head(self, key: str) -> StoredObject:
        try:
            meta = json.loads(self._meta(checked_key(key)).read_text())
        except FileNotFoundError:
            raise ObjectNotFound(f"no object {key!r}") from None
        if not self._path(key).exists():
            raise ObjectNotFound(f"no object {key!r}")
        return StoredObject(key=key, size=meta["size"], sha256=meta["sha256"],
                            stored_at=datetime.fromisoformat(meta["stored_at"]))

    def download_url(self, key: str, expires_in: timedelta) -> str:
        until = int((self._clock.now() + expires_in).timestamp())
        payload = base64.urlsafe_b64encode(f"{checked_key(key)}|{until}".encode()).decode()
        payload = payload.rstrip("=")
        return f"{self._public_url}/api/v1/downloads/{payload}.{self._signer.sign(payload.encode())}"

    def open_download(self, token: str, now: datetime) -> tuple[str, Iterator[bytes]]:
        payload, _, signature = (token or "").partition(".")
        if not payload or not self._signer.verify(payload.encode(), signature):
            raise ObjectNotFound("no such download")
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
            key, until = raw.rsplit("|", 1)
            expired = now.timestamp() >= int(until)
        except ValueError:
            raise ObjectNotFound("no such download") from None
        if expired:
            raise ObjectNotFound("this download link has expired")
        return key, self.get(key)

    def list(self, prefix: str) -> list[StoredObject]:
        meta_root = self._root / _META
        # Only under the prefix's directory: one org's objects never cost a walk of the others'.
        start = meta_root / prefix.rsplit("/", 1)[0] if "/" in prefix else meta_root
        found = []
        for meta in sorted(start.rglob("*.json")) if start.is_dir() else ():
            key = meta.relative_to(meta_root).as_posix().removesuffix(".json")
            if key.startswith(prefix):
                try:
                    found.append(self.head(key))
                except ObjectNotFound:
                    continue
        return sorted(found, key=lambda o: o.key)

    def delete(self, key: str) -> bool:
        path = self._path(checked_key(key))
        self._meta(key).unlink(missing_ok=True)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def _path(self, key: str) -> Path:
        return self._root / key

    def _meta(self, key: str) -> Path:
        return self._root / _META / f"{key}.json"
