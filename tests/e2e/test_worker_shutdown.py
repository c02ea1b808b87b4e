"""SIGTERM to `groundwork worker` while a job is under way: the job finishes (here a mail the
mail server takes seconds to accept), then the worker exits 0, and nothing is left queued."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.live_server import free_port, postgres_env
from tests.fixtures.jobs import migrated_database, queued_jobs, queuing_container

pytestmark = pytest.mark.postgres
SLOW_ACCEPT_SECONDS = 3


class SlowMailServer:
    """Accepts each mail, but only after SLOW_ACCEPT_SECONDS: a job that is surely under way."""

    def __init__(self) -> None:
        self.receiving = 0
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.receiving += 1
        await asyncio.sleep(SLOW_ACCEPT_SECONDS)
        self.received.append(envelope.content)
        return "250 OK"


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_lets_the_job_under_way_finish_then_the_worker_exits(fresh_database, tmp_path):
    urls = migrated_database(fresh_database)
    mail_server, port = SlowMailServer(), free_port()
    controller = Controller(mail_server, hostname="127.0.0.1", port=port)
    controller.start()
    container = queuing_container(urls)
    try:
        with container.adapters.unit_of_work() as uow:
            uow.jobs.defer("mail.email_changed_notice", to="ada@old.test",
                           new_address="ada@new.test")
            uow.commit()
        env = os.environ | postgres_env(urls, tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}",
                                        LOG_LEVEL="INFO")
        worker = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-c", "from entrypoints.cli.main import cli; cli()", "worker"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            assert _wait_for(lambda: mail_server.receiving == 1, 30), "the job never started"
            worker.send_signal(signal.SIGTERM)  # while the mail server is still accepting
            output, _ = worker.communicate(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == 0, output.decode()
        assert len(mail_server.received) == 1 and b"To: ada@old.test" in mail_server.received[0]
        assert queued_jobs(urls) == []  # done, so deleted: not left to run again
    finally:
        controller.stop()
        container.adapters.engine().dispose()
