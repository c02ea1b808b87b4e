from __future__ import annotations

import abc

from attrs import define

from application.errors import MailNotSent


@define(frozen=True)
class OutgoingEmail:
    """One message: a plain-text part, and an HTML alternative when there is one."""

    to: str
    subject: str
    text: str
    html: str | None = None


class Mailer(abc.ABC):
    """Sends email: invitations, password links. Never logs a message's body."""

    @abc.abstractmethod
    def send(self, email: OutgoingEmail) -> None:
        """Deliver it, or raise MailNotSent: the caller's transaction has committed already,
        so the failure is the caller's to report, never a reason to undo the change."""


__all__ = ["MailNotSent", "Mailer", "OutgoingEmail"]
