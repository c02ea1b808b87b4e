"""Mail through an SMTP server (smtplib). SMTP_URL is `smtp://[user:password@]host[:port]`
(STARTTLS when the server offers it, and required before any password is sent; port 587 by
default) or `smtps://...` (TLS from the first byte; port 465). Each message gets a timeout and
one retry of a transient failure (a 4xx answer, a dropped or refused connection), with
tenacity; a failure after that is one log line naming the recipient's domain and the reason,
never the message, and MailNotSent for the caller."""

from __future__ import annotations

import smtplib
import ssl
from urllib.parse import unquote, urlsplit

import structlog
from attrs import define
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_fixed

from adapters.mail.mime import mime
from application.ports.mailer import Mailer, MailNotSent, OutgoingEmail

_log = structlog.get_logger("groundwork.mail")
_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@define(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:password@host:587 "
                             "or smtps://user:password@host:465")
        try:
            port = parts.port or _DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise ValueError("SMTP_URL has a port that is not a number") from None
        return cls(host=parts.hostname, port=port, implicit_tls=parts.scheme == "smtps",
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None)

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"SmtpServer({self.host}:{self.port}, tls={'implicit' if self.implicit_tls else 'starttls'})"


class SmtpMailer(Mailer):
    def __init__(self, server: SmtpServer, sender: str, *, timeout: float = 10.0,
                 retry_wait: float = 1.0) -> None:
        self._server = server
        self._sender = sender
        self._timeout = timeout
        self._retry_wait = retry_wait

    def send(self, email: OutgoingEmail) -> None:
        message = mime(email, self._sender)
        try:
            for attempt in Retrying(stop=stop_after_attempt(2), wait=wait_fixed(self._retry_wait),
                                    retry=retry_if_exception(_transient), reraise=True):
                with attempt:
                    self._deliver(message)
        except (smtplib.SMTPException, OSError) as error:
            reason = _reason(error)
            _log.error("mail_not_sent", to_domain=email.to.rpartition("@")[2],
                       server=f"{self._server.host}:{self._server.port}", reason=reason)
            raise MailNotSent(reason) from None

    def _deliver(self, message) -> None:
        server, context = self._server, ssl.create_default_context()
        if server.implicit_tls:
            connection = smtplib.SMTP_SSL(server.host, server.port, timeout=self._timeout,
                                          context=context)
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        with connection as smtp:
            if not server.implicit_tls:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif server.username:
                    raise smtplib.SMTPNotSupportedError(
                        "the server offers no STARTTLS: the password is not sent in clear")
            if server.username:
                smtp.login(server.username, server.password or "")
            smtp.send_message(message)


def _transient(error: BaseException) -> bool:
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    return isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError))


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error.decode(errors="replace") if isinstance(
            error.smtp_error, bytes) else str(error.smtp_error)
        return f"{error.smtp_code} {detail}"[:200]
    return f"{type(error).__name__}: {error}"[:200]
