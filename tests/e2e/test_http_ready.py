"""GET /ready: each configured dependency (database, object store, Redis, SMTP) with its status
and latency; 503 naming the ones that are down."""

from __future__ import annotations

import attrs
import pytest
from aiosmtpd.controller import Controller

from entrypoints.http.app import create_app
from tests.e2e.live_server import free_port
from tests.fixtures.app import memory_container


def _ready(**settings):
    container = memory_container()
    container.settings.override(attrs.evolve(container.settings(), **settings))
    return create_app(container).test_client().get("/ready")


class Noop:
    def __init__(self, answer: str | None = None) -> None:
        self.answer = answer

    async def handle_NOOP(self, server, session, envelope, arg):  # noqa: N802 - aiosmtpd's name
        return self.answer or "250 OK"


@pytest.fixture
def smtp_server():
    controllers = []

    def start(answer=None) -> str:
        port = free_port()
        controller = Controller(Noop(answer), hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return f"smtp://127.0.0.1:{port}"

    yield start
    for controller in controllers:
        controller.stop()


def test_without_redis_or_smtp_it_checks_the_database_and_the_object_store():
    response = _ready()
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["failing"] == []
    assert set(response.json["checks"]) == {"database", "object_store"}
    assert all(check["latency_ms"] >= 0 for check in response.json["checks"].values())


def test_what_is_down_is_named_and_the_answer_is_503():
    closed = free_port()
    response = _ready(redis_url=f"redis://127.0.0.1:{closed}/0",
                      smtp_url=f"smtps://127.0.0.1:{closed}")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["failing"] == ["redis", "smtp"]
    assert response.json["checks"]["redis"]["status"] == "down"
    assert response.json["checks"]["redis"]["error"] == "ConnectionError"
    assert response.json["checks"]["smtp"]["status"] == "down"
    assert response.json["checks"]["object_store"]["status"] == "ok"


def test_an_smtp_server_that_answers_noop_is_up(smtp_server):
    response = _ready(smtp_url=smtp_server())
    assert response.status_code == 200 and response.json["checks"]["smtp"]["status"] == "ok"


def test_an_smtp_server_that_refuses_noop_is_down(smtp_server):
    response = _ready(smtp_url=smtp_server("421 closing down"))
    assert response.status_code == 503 and response.json["failing"] == ["smtp"]


@pytest.mark.redis
def test_a_redis_that_answers_is_up(redis_url):
    response = _ready(redis_url=redis_url)
    assert response.status_code == 200 and response.json["checks"]["redis"]["status"] == "ok"


def test_an_object_store_that_cannot_be_written_is_down(tmp_path):
    from adapters.security.digest_signer import HmacDigestSigner
    from adapters.storage.filesystem import FilesystemObjectStore

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    container = memory_container()
    container.adapters.object_store.override(FilesystemObjectStore(
        blocked / "objects", HmacDigestSigner("k" * 32, b"dl"), "http://127.0.0.1:8000"))
    response = create_app(container).test_client().get("/ready")
    assert response.status_code == 503 and response.json["failing"] == ["object_store"]
