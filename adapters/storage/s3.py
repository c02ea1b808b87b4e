"""Objects in S3 or anything that speaks its API (MinIO in compose, moto in the tests), with
boto3. `S3_URL` says where: `s3://ACCESS_KEY:SECRET_KEY@host:port/bucket` (https), or
`s3+http://...` for a plain-HTTP endpoint such as a local MinIO; no host means AWS itself
(`s3://KEY:SECRET@/bucket?region=eu-central-1`).

Each object carries its SHA-256 as metadata (`x-amz-meta-sha256`), computed while the upload
streams; the upload goes in parts, so an object is never all in memory. A store that cannot be
reached, or that refuses (a wrong key, no such bucket), raises ObjectStoreUnavailable: an
OSError with one line that says why, never botocore's own exceptions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from attrs import define
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from adapters.storage.filesystem import CHUNK, chunks_of
from application.ports.object_store import (
    ChecksumMismatch,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreUnavailable,
    StoredObject,
    checked_key,
)

PART_SIZE = 8 * 1024 * 1024  # S3's multipart minimum is 5 MiB
_MISSING = {"404", "NoSuchKey", "NotFound"}


@define(frozen=True, repr=False)
class S3Location:
    bucket: str
    endpoint_url: str | None
    access_key: str | None
    secret_key: str | None
    region: str

    @classmethod
    def from_url(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme not in ("s3", "s3+http") or not parts.path.strip("/"):
            raise ValueError("S3_URL must look like s3://KEY:SECRET@host:port/bucket "
                             "(s3+http:// for a plain-HTTP endpoint)")
        scheme = "http" if parts.scheme == "s3+http" else "https"
        port = parts.port or (80 if scheme == "http" else 443)
        query = parse_qs(parts.query)
        return cls(bucket=parts.path.strip("/"),
                   endpoint_url=f"{scheme}://{parts.hostname}:{port}" if parts.hostname else None,
                   access_key=unquote(parts.username) if parts.username else None,
                   secret_key=unquote(parts.password) if parts.password else None,
                   region=query.get("region", ["us-east-1"])[0])

    def __repr__(self) -> str:
        return f"S3Location(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"


class S3ObjectStore(ObjectStore):
    def __init__(self, location: S3Location, *, create_bucket: bool = False) -> None:
        self._bucket = location.bucket
        self._where = f"bucket {location.bucket!r} at {location.endpoint_url or 'AWS'}"
        self._client = boto3.client(
            "s3", endpoint_url=location.endpoint_url, aws_access_key_id=location.access_key,
            aws_secret_access_key=location.secret_key, region_name=location.region,
            config=Config(retries={"max_attempts": 3, "mode": "standard"},
                          connect_timeout=5, read_timeout=30, s3={"addressing_style": "path"}))
        if create_bucket:
            with self._answering():
                try:
                    self._client.create_bucket(Bucket=self._bucket)
                except ClientError as error:
                    if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou",
                                                               "BucketAlreadyExists"):
                        raise

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """botocore's failures as ObjectStoreUnavailable (ObjectNotFound and the port's other
        errors pass through)."""
        try:
            yield
        except ClientError as error:
            found = error.response.get("Error", {})
            reason = f"{found.get('Code', 'error')}: {found.get('Message') or 'no reason given'}"
            raise ObjectStoreUnavailable(f"the object store ({self._where}) refused: "
                                         f"{reason}") from None
        except BotoCoreError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ObjectStoreUnavailable(f"the object store ({self._where}) cannot be reached: "
                                         f"{reason}") from None

    def probe(self) -> None:
        with self._answering():
            self._client.head_bucket(Bucket=self._bucket)

    def put(self, key: str, chunks: Iterable[bytes] | BinaryIO, *,
            sha256: str | None = None) -> StoredObject:
        checked_key(key)
        with self._answering():
            return self._put(key, chunks, sha256)

    def _put(self, key: str, chunks: Iterable[bytes] | BinaryIO,
             sha256: str | None) -> StoredObject:
        digest, size = hashlib.sha256(), 0
        staging = f"{key}.incoming"
        upload = self._client.create_multipart_upload(Bucket=self._bucket, Key=staging)
        parts, buffer = [], bytearray()
        try:
            for chunk in chunks_of(chunks):
                digest.update(chunk)
                size += len(chunk)
                buffer += chunk
                if len(buffer) >= PART_SIZE:
                    parts.append(self._part(staging, upload["UploadId"], len(parts) + 1, buffer))
                    buffer = bytearray()
            if buffer or not parts:
                parts.append(self._part(staging, upload["UploadId"], len(parts) + 1, buffer))
        except BaseException:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=staging,
                                                UploadId=upload["UploadId"])
            raise
        if sha256 is not None and digest.hexdigest() != sha256:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=staging,
                                                UploadId=upload["UploadId"])
            raise ChecksumMismatch(f"{key}: the bytes are not those of sha256 {sha256}")
        self._client.complete_multipart_upload(
            Bucket=self._bucket, Key=staging, UploadId=upload["UploadId"],
            MultipartUpload={"Parts": parts})
        # Copied into place with its checksum as metadata: a reader never sees half an object.
        self._client.copy_object(
            Bucket=self._bucket, Key=key, CopySource={"Bucket": self._bucket, "Key": staging},
            Metadata={"sha256": digest.hexdigest()}, MetadataDirective="REPLACE")
        self._client.delete_object(Bucket=self._bucket, Key=staging)
        return self.head(key)

    def _part(self, key: str, upload_id: str, number: int, body: bytearray) -> dict:
        answer = self._client.upload_part(Bucket=self._bucket, Key=key, UploadId=upload_id,
                                          PartNumber=number, Body=bytes(body))
        return {"ETag": answer["ETag"], "PartNumber": number}

    def get(self, key: str) -> Iterator[bytes]:
        with self._answering():
            try:
                body = self._client.get_object(Bucket=self._bucket, Key=checked_key(key))["Body"]
            except ClientError as error:
                raise _missing(error, key) from None
        return self._streamed(body.iter_chunks(CHUNK))

    def _streamed(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        with self._answering():  # the connection can fail half way through the body too
            yield from chunks

    def head(self, key: str) -> StoredObject:
        with self._answering():
            try:
                answer = self._client.head_object(Bucket=self._bucket, Key=checked_key(key))
            except ClientError as error:
                raise _missing(error, key) from None
        return StoredObject(key=key, size=answer["ContentLength"],
                            sha256=answer.get("Metadata", {}).get("sha256", ""),
                            stored_at=answer["LastModified"])

    def download_url(self, key: str, expires_in: timedelta) -> str:
        with self._answering():
            return self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": checked_key(key)},
                ExpiresIn=int(expires_in.total_seconds()))

    def list(self, prefix: str) -> list[StoredObject]:
        keys = []
        with self._answering():
            for page in self._client.get_paginator("list_objects_v2").paginate(
                    Bucket=self._bucket, Prefix=prefix):
                keys += [o["Key"] for o in page.get("Contents", ())
                         if not o["Key"].endswith(".incoming")]
        return [self.head(key) for key in sorted(keys)]

    def delete(self, key: str) -> bool:
        try:
            self.head(key)
        except ObjectNotFound:
            return False
        with self._answering():
            self._client.delete_object(Bucket=self._bucket, Key=key)
        return True


def _missing(error: ClientError, key: str) -> Exception:
    if error.response.get("Error", {}).get("Code") in _MISSING:
        return ObjectNotFound(f"no object {key!r}")
    return error
