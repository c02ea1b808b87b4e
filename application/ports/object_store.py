"""Where files live (exports, backups): a bucket of objects by key, each with its SHA-256.

Keys are laid out per tenant, `orgs/{org_id}/...`, so that one org's objects can be listed,
exported and purged together; platform files live under `platform/...`.
"""

from __future__ import annotations

import abc
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import BinaryIO

from attrs import define

from domain.errors import DomainError, InvalidInput

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
MAX_KEY_LENGTH = 512


class ObjectNotFound(DomainError):
    """No object has this key."""


class ChecksumMismatch(DomainError):
    """What arrived is not what the caller said it would be."""


class ObjectStoreUnavailable(OSError):
    """The object store did not answer, or refused the request: the reason in one line. Not
    the caller's fault, and over when the store is back (HTTP: 503)."""


@define(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    stored_at: datetime


def checked_key(key: str) -> str:
    """A key of plain path segments: no `..`, no leading slash, no control characters."""
    if (not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY.match(key)
            or any(segment in (".", "..") for segment in key.split("/"))):
        raise InvalidInput(f"invalid object key {key!r}", code="invalid_object_key")
    return key


def org_prefix(org_id: uuid.UUID) -> str:
    return f"orgs/{org_id}/"


class ObjectStore(abc.ABC):
    @abc.abstractmethod
    def put(self, key: str, chunks: Iterable[bytes] | BinaryIO, *,
            sha256: str | None = None) -> StoredObject:
        """Store what `chunks` yields (streamed, never all in memory) under `key`, replacing
        any object there. With `sha256`, ChecksumMismatch (and nothing stored) when the bytes
        differ from it."""

    @abc.abstractmethod
    def get(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks; ObjectNotFound when there is none."""

    @abc.abstractmethod
    def head(self, key: str) -> StoredObject:
        """The object's size and SHA-256; ObjectNotFound when there is none."""

    @abc.abstractmethod
    def download_url(self, key: str, expires_in: timedelta) -> str:
        """A URL that fetches the object without other credentials, until it expires."""

    @abc.abstractmethod
    def list(self, prefix: str) -> list[StoredObject]:
        """Every object whose key starts with `prefix`, by key."""

    @abc.abstractmethod
    def delete(self, key: str) -> bool:
        """True when there was an object to delete."""

    @abc.abstractmethod
    def probe(self) -> None:
        """A cheap check that the store answers (for /ready): raises when it does not."""

    def open_download(self, token: str, now: datetime) -> tuple[str, Iterator[bytes]]:
        """The key and bytes a download URL of this store names, for a store whose URLs point
        back at this server (the filesystem's); ObjectNotFound for any token it did not sign,
        or signed for a time now past."""
        raise ObjectNotFound("no such download")

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix`; how many."""
        return sum(self.delete(o.key) for o in self.list(prefix))


class ExportFiles(abc.ABC):
    """An export's files wherever they are: in the object store, or a folder it was saved to."""

    @abc.abstractmethod
    def read(self, name: str) -> Iterator[bytes]:
        """The file `name` (`manifest.json`, `members.jsonl`...) in chunks; ObjectNotFound when
        it is not there."""

