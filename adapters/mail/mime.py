"""An OutgoingEmail as a MIME message that no transport mangles: lines up to 998 characters
stay whole (a link with a token is never folded or quoted-printable encoded), ASCII text goes
as 7bit, anything else as 8bit UTF-8."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from application.ports.mailer import OutgoingEmail

POLICY = email.policy.SMTP.clone(max_line_length=998)


def mime(outgoing: OutgoingEmail, sender: str) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"], message["To"], message["Subject"] = sender, outgoing.to, outgoing.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(outgoing.text)
    if outgoing.html is not None:
        message.add_alternative(outgoing.html, subtype="html")
    return message
