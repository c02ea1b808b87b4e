"""Development mailers: a folder of .eml files (readable by any mail client, tokens copyable
as they stand), and a list for tests."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from adapters.mail.mime import mime
from application.ports.mailer import Mailer, OutgoingEmail


class FolderMailer(Mailer):
    def __init__(self, folder: Path, sender: str = "groundwork@localhost") -> None:
        self._folder = folder
        self._sender = sender

    def send(self, email: OutgoingEmail) -> None:
        self._folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Named by the time it went out: `ls` lists the outbox oldest first.
        sent_at = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self._folder / f"{sent_at}-{uuid.uuid4().hex[:8]}.eml"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(mime(email, self._sender).as_bytes())


class MemoryMailer(Mailer):
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    def send(self, email: OutgoingEmail) -> None:
        self.sent.append(email)
