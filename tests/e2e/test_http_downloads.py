"""A file by its signed link: the bytes with the link alone; a changed, foreign or expired link
is a 404 problem; nothing outside the object store is reachable through it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.organizations import CreateOrganization
from entrypoints.http.app import create_app

KEY = "orgs/{org}/exports/e1/members.jsonl"


@pytest.fixture
def served(memory_app_container, operator):
    org = memory_app_container.application.organizations().create(CreateOrganization(
        name="Files", slug="files", owner_email="o@files.test", actor=operator))
    store = memory_app_container.adapters.object_store()
    store.put(KEY.format(org=org.id), [b'{"id": 1}\n'])
    return create_app(memory_app_container).test_client(), store, memory_app_container, org


def _path(url: str) -> str:
    return url.split("127.0.0.1:8000", 1)[1]


def test_a_signed_link_downloads_the_file(served):
    client, store, _, org = served
    url = store.download_url(KEY.format(org=org.id), timedelta(minutes=5))
    answer = client.get(_path(url))
    assert answer.status_code == 200 and answer.data == b'{"id": 1}\n'
    assert answer.headers["Content-Disposition"] == 'attachment; filename="members.jsonl"'
    assert answer.headers["Cache-Control"] == "no-store"


def test_an_expired_link_is_a_404(served):
    client, store, container, org = served
    url = store.download_url(KEY.format(org=org.id), timedelta(seconds=30))
    container.adapters.clock().advance(timedelta(minutes=1))
    answer = client.get(_path(url))
    assert answer.status_code == 404 and answer.json["code"] == "download_not_found"


@pytest.mark.parametrize("token", ["x", "a.b", "Li4vc2VjcmV0X2tleXw5OTk5OTk5OTk5.00",
                                   "%00", "a" * 2000, "%C2%A9..%C2%A5%C3%A9%2C", "x.%C3%A9"])
def test_made_up_links_are_404_problems(served, token):
    client = served[0]
    answer = client.get(f"/api/v1/downloads/{token}")
    assert answer.status_code == 404
    assert answer.content_type == "application/problem+json"


def test_a_link_to_a_suspended_orgs_file_is_a_404(served, operator):
    client, store, container, org = served
    url = store.download_url(KEY.format(org=org.id), timedelta(minutes=5))
    container.application.org_lifecycle().suspend("files", operator, "abuse")
    assert client.get(_path(url)).status_code == 404
    store.put("orgs/not-an-id/x", [b"x"])
    stray = store.download_url("orgs/not-an-id/x", timedelta(minutes=5))
    assert client.get(_path(stray)).status_code == 404


def test_a_platform_file_is_never_downloaded_even_by_a_signed_link(served):
    client, store, _, _ = served
    store.put("platform/purges/certificate.json", [b'{"secret": "platform"}'])
    url = store.download_url("platform/purges/certificate.json", timedelta(minutes=5))
    answer = client.get(_path(url))
    assert answer.status_code == 404 and b"platform" not in answer.data
