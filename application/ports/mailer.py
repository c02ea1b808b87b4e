from __future__ import annotations

import abc

from attrs import define


@define(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    body: str


class Mailer(abc.ABC):
    """Sends email: invitations, password links. Never logs a message's body."""

    @abc.abstractmethod
    def send(self, email: OutgoingEmail) -> None: ...
