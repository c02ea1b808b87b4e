"""A file by its signed link: the bytes with the link alone; a changed, foreign or expired link
is a 404 problem; nothing outside the object store is reachable through it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from entrypoints.http.app import create_app


@pytest.fixture
def served(memory_app_container):
    store = memory_app_container.adapters.object_store()
    store.put("orgs/o1/exports/e1/members.jsonl", [b'{"id": 1}\n'])
    return create_app(memory_app_container).test_client(), store, memory_app_container


def _path(url: str) -> str:
    return url.split("127.0.0.1:8000", 1)[1]


def test_a_signed_link_downloads_the_file(served):
    client, store, _ = served
    url = store.download_url("orgs/o1/exports/e1/members.jsonl", timedelta(minutes=5))
    answer = client.get(_path(url))
    assert answer.status_code == 200 and answer.data == b'{"id": 1}\n'
    assert answer.headers["Content-Disposition"] == 'attachment; filename="members.jsonl"'
    assert answer.headers["Cache-Control"] == "no-store"


def test_an_expired_link_is_a_404(served):
    client, store, container = served
    url = store.download_url("orgs/o1/exports/e1/members.jsonl", timedelta(seconds=30))
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
