"""The object store over both adapters: the filesystem (the embedded default) and S3 through a
real HTTP S3 API in-process (moto's ThreadedMotoServer). Bytes and checksums round-trip, keys
stay in their org's prefix, a wrong checksum stores nothing, downloads work by URL alone."""

from __future__ import annotations

import hashlib
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.security.digest_signer import HmacDigestSigner
from adapters.storage.filesystem import FilesystemObjectStore
from adapters.storage.s3 import ObjectStoreUnavailable, S3Location, S3ObjectStore
from application.ports.object_store import ChecksumMismatch, ObjectNotFound, org_prefix
from domain.errors import InvalidInput
from tests.e2e.live_server import free_port


@pytest.fixture(scope="session")
def s3_url():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"s3+http://testing:testing@127.0.0.1:{port}/groundwork-test"
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def store(request, tmp_path):
    if request.param == "filesystem":
        return FilesystemObjectStore(tmp_path / "objects", HmacDigestSigner("k" * 32, b"dl"),
                                     "http://127.0.0.1:8000")
    url = request.getfixturevalue("s3_url")
    return S3ObjectStore(S3Location.from_url(url.replace("groundwork-test", f"b{uuid.uuid4().hex[:12]}")),
                         create_bucket=True)


def _fetch(store, url: str) -> bytes:
    if isinstance(store, FilesystemObjectStore):
        token = url.rsplit("/", 1)[1]
        return b"".join(store.open_download(token, datetime.now(UTC))[1])
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback moto
        return answer.read()


def test_bytes_and_their_checksum_round_trip(store):
    org = uuid.uuid4()
    key = f"{org_prefix(org)}exports/one/members.jsonl"
    data = b'{"a": 1}\n' * 1000
    stored = store.put(key, [data[:10], data[10:]], sha256=hashlib.sha256(data).hexdigest())
    assert stored.key == key and stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert b"".join(store.get(key)) == data
    assert store.head(key).sha256 == stored.sha256
    assert _fetch(store, store.download_url(key, timedelta(minutes=5))) == data


def test_a_large_object_streams_in_parts(store):
    chunk = b"x" * (1024 * 1024)
    stored = store.put("platform/backups/big.dump", (chunk for _ in range(20)))
    assert stored.size == 20 * len(chunk)
    assert stored.sha256 == hashlib.sha256(chunk * 20).hexdigest()
    assert sum(len(c) for c in store.get("platform/backups/big.dump")) == stored.size


def test_a_wrong_checksum_stores_nothing(store):
    with pytest.raises(ChecksumMismatch):
        store.put("platform/x.bin", [b"what came"], sha256=hashlib.sha256(b"other").hexdigest())
    with pytest.raises(ObjectNotFound):
        store.head("platform/x.bin")
    assert store.list("platform/") == []


def test_a_prefix_lists_and_purges_one_org_only(store):
    a, b = uuid.uuid4(), uuid.uuid4()
    for org in (a, b):
        for name in ("x", "y/z"):
            store.put(f"{org_prefix(org)}{name}", [name.encode()])
    assert [o.key for o in store.list(org_prefix(a))] == [f"{org_prefix(a)}x", f"{org_prefix(a)}y/z"]
    assert store.delete_prefix(org_prefix(a)) == 2
    assert store.list(org_prefix(a)) == [] and len(store.list(org_prefix(b))) == 2
    assert not store.delete(f"{org_prefix(a)}x")
    with pytest.raises(ObjectNotFound):
        b"".join(store.get(f"{org_prefix(a)}x"))


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "../x", "a/./b", "a\x00b",
                                 "a\\b", "x" * 600, ".hidden", "a/ b"])
def test_keys_are_plain_path_segments(store, key):
    with pytest.raises(InvalidInput):
        store.put(key, [b"x"])


def test_a_download_link_of_the_filesystem_is_signed_and_expires(tmp_path):
    store = FilesystemObjectStore(tmp_path, HmacDigestSigner("k" * 32, b"dl"), "http://h")
    store.put("orgs/x/file", [b"secret bytes"])
    token = store.download_url("orgs/x/file", timedelta(minutes=1)).rsplit("/", 1)[1]
    assert b"".join(store.open_download(token, datetime.now(UTC))[1]) == b"secret bytes"
    later = datetime.now(UTC) + timedelta(minutes=2)
    for bad, at in ((token, later), (token[:-1] + ("0" if token[-1] != "0" else "1"), None),
                    ("x.y", None), ("", None)):
        with pytest.raises(ObjectNotFound):
            store.open_download(bad, at or datetime.now(UTC))
    other = FilesystemObjectStore(tmp_path, HmacDigestSigner("o" * 32, b"dl"), "http://h")
    with pytest.raises(ObjectNotFound):
        other.open_download(token, datetime.now(UTC))


def test_an_s3_url_names_its_bucket_and_endpoint_and_hides_its_secret():
    location = S3Location.from_url("s3+http://key:s%2Fecret@minio:9000/exports?region=eu-west-1")
    assert (location.bucket, location.endpoint_url, location.region) == (
        "exports", "http://minio:9000", "eu-west-1")
    assert location.secret_key == "s/ecret" and "ecret" not in repr(location)
    assert S3Location.from_url("s3://k:s@/b").endpoint_url is None
    for bad in ("http://x/b", "s3://k:s@host", "ftp://x"):
        with pytest.raises(ValueError):
            S3Location.from_url(bad)


def test_a_store_that_answers_passes_its_probe(store):
    store.probe()  # raises when the store cannot be reached


def test_a_store_that_cannot_be_reached_fails_its_probe(store, tmp_path):
    if isinstance(store, FilesystemObjectStore):
        (tmp_path / "taken").write_text("a file where the folder would be")
        gone = FilesystemObjectStore(tmp_path / "taken" / "objects", HmacDigestSigner("k" * 32, b"dl"),
                                     "http://127.0.0.1:8000")
    else:
        gone = S3ObjectStore(S3Location.from_url(f"s3+http://k:s@127.0.0.1:{free_port()}/nothing"))
    with pytest.raises(Exception):  # noqa: B017 - each store raises its own kind of error
        gone.probe()


def test_an_s3_store_that_cannot_be_reached_or_refuses_says_so_in_one_line(s3_url):
    port = free_port()  # nothing listens there
    gone = S3ObjectStore(S3Location.from_url(f"s3+http://k:s@127.0.0.1:{port}/nothing"))
    for call in (lambda: gone.list("platform/"), lambda: gone.get("a/b"), lambda: gone.head("a/b"),
                 lambda: gone.put("a/b", [b"x"]), lambda: gone.delete("a/b")):
        with pytest.raises(ObjectStoreUnavailable, match=rf"^the object store \(bucket 'nothing' "
                                                         rf"at http://127.0.0.1:{port}\) cannot be "
                                                         "reached: Could not connect") as raised:
            call()
        assert isinstance(raised.value, OSError) and "\n" not in str(raised.value)
    no_bucket = S3ObjectStore(S3Location.from_url(s3_url.replace("groundwork-test", "never-made")))
    with pytest.raises(ObjectStoreUnavailable, match="refused: NoSuchBucket"):
        no_bucket.list("platform/")
    with pytest.raises(ObjectNotFound):  # a missing key is still just that
        S3ObjectStore(S3Location.from_url(s3_url), create_bucket=True).get("no/such-key")
