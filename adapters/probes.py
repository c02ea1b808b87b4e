"""Readiness probes of the dependencies beside the database: Redis, the object store, SMTP."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable

import redis

from adapters.mail.smtp import SmtpServer
from application.ports.health import DependencyProbe, ProbeResult
from application.ports.object_store import ObjectStore

TIMEOUT_SECONDS = 2.0


def timed(name: str, check: Callable[[], object]) -> ProbeResult:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # noqa: BLE001 - any failure means "down", named by its type
        return ProbeResult(name, False, _since(started), type(error).__name__)
    return ProbeResult(name, True, _since(started))


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


class RedisProbe(DependencyProbe):
    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                            socket_connect_timeout=TIMEOUT_SECONDS)

    def check(self) -> ProbeResult:
        return timed("redis", self._client.ping)


class ObjectStoreProbe(DependencyProbe):
    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    def check(self) -> ProbeResult:
        return timed("object_store", self._store.probe)


class SmtpProbe(DependencyProbe):
    """Connect and NOOP, without signing in or sending anything."""

    def __init__(self, url: str) -> None:
        self._server = SmtpServer.from_url(url)

    def check(self) -> ProbeResult:
        return timed("smtp", self._noop)

    def _noop(self) -> None:
        kind = smtplib.SMTP_SSL if self._server.implicit_tls else smtplib.SMTP
        with kind(self._server.host, self._server.port, timeout=TIMEOUT_SECONDS) as smtp:
            code, _ = smtp.noop()
            if code != 250:
                raise smtplib.SMTPResponseException(code, "NOOP refused")
