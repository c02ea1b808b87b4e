"""The SMTP adapter against a real SMTP server in this process (aiosmtpd): what arrives, a
transient refusal retried once, a permanent one not, a password never sent without TLS, a
server that is down, and the HTTP answer when mail cannot go."""

import email
import email.policy
import socket
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from adapters.mail.smtp import SmtpMailer, SmtpServer
from application import messages
from application.errors import MailNotSent
from application.organizations import CreateOrganization
from entrypoints.http.app import create_app
from tests.fixtures.app import PASSWORD, set_password
from tests.fixtures.mail import token_in

TOKEN = "f" * 32 + ".secret-part_" * 8


class Recorder:
    """Answers DATA with the queued refusals first, then accepts and keeps the message."""

    def __init__(self, refusals=()) -> None:
        self.refusals = list(refusals)
        self.attempts = 0
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.attempts += 1
        if self.refusals:
            return self.refusals.pop(0)
        self.received.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    """(start(refusals) -> Recorder, port): an SMTP server on loopback, stopped afterwards."""
    controllers, port = [], _free_port()

    def start(refusals=()) -> Recorder:
        recorder = Recorder(refusals)
        controller = Controller(recorder, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return recorder

    yield start, port
    for controller in controllers:
        controller.stop()


def _mailer(port: int, credentials: str = "") -> SmtpMailer:
    return SmtpMailer(SmtpServer.from_url(f"smtp://{credentials}127.0.0.1:{port}"),
                      "Groundwork <gw@example.com>", timeout=5, retry_wait=0)


def _invitation():
    return messages.invitation(to="cy@acme.test", org_name="Acme", inviter="ada@acme.test",
                               role="member", token=TOKEN,
                               expires_at=datetime(2026, 12, 1, tzinfo=UTC),
                               public_url="https://app.example.com")


def test_a_message_arrives_whole_with_both_parts(smtp):
    start, port = smtp
    recorder = start()
    _mailer(port).send(_invitation())
    [raw] = recorder.received
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "cy@acme.test" and message["From"] == "Groundwork <gw@example.com>"
    text, html = (part.get_content() for part in message.iter_parts())
    assert token_in(text) == TOKEN and f"#token={TOKEN}" in html


def test_a_transient_refusal_is_retried_once(smtp):
    start, port = smtp
    recorder = start(refusals=["451 4.3.0 try again later"])
    _mailer(port).send(_invitation())
    assert recorder.attempts == 2 and len(recorder.received) == 1


def test_two_transient_refusals_give_up_with_the_servers_reason(smtp):
    start, port = smtp
    recorder = start(refusals=["451 4.3.0 busy", "451 4.3.0 still busy"])
    with pytest.raises(MailNotSent, match="451"):
        _mailer(port).send(_invitation())
    assert recorder.attempts == 2 and recorder.received == []


def test_a_permanent_refusal_is_not_retried(smtp):
    start, port = smtp
    recorder = start(refusals=["550 5.1.1 no such mailbox"])
    with pytest.raises(MailNotSent, match="550"):
        _mailer(port).send(_invitation())
    assert recorder.attempts == 1


def test_a_password_is_never_sent_to_a_server_without_starttls(smtp):
    start, port = smtp
    recorder = start()
    with pytest.raises(MailNotSent, match="STARTTLS") as refused:
        _mailer(port, credentials="relay:s3cret-pass@").send(_invitation())
    assert recorder.received == [] and "s3cret" not in str(refused.value)


def test_a_server_that_is_down_fails_after_one_retry(smtp):
    _, port = smtp  # nothing listens there
    with pytest.raises(MailNotSent, match="ConnectionRefused"):
        _mailer(port).send(_invitation())


@pytest.mark.parametrize("url", ["http://host", "smtp://", "smtp://host:port", "mail.example.com"])
def test_a_bad_smtp_url_is_refused_with_its_name(url):
    with pytest.raises(ValueError, match="SMTP_URL"):
        SmtpServer.from_url(url)


def test_the_server_settings_never_show_the_password():
    server = SmtpServer.from_url("smtps://user%40x:p%40ss@mail.example.com")
    assert (server.port, server.implicit_tls, server.username, server.password) == (
        465, True, "user@x", "p@ss")
    assert "p@ss" not in repr(server)


def test_an_invitation_whose_mail_cannot_go_is_kept_and_answered_all_the_same(
        memory_app_container, operator, smtp):
    _, port = smtp  # down
    container = memory_app_container
    container.adapters.mailer.override(_mailer(port))
    container.application.organizations().create(CreateOrganization(
        name="Mailless", slug="mailless", owner_email="owner@mailless.test", actor=operator))
    set_password(container, "owner@mailless.test")
    client = create_app(container).test_client()
    login = client.post("/api/v1/auth/login",
                        json={"email": "owner@mailless.test", "password": PASSWORD}).json
    answer = client.post("/api/v1/orgs/mailless/invitations",
                         headers={"Authorization": f"Bearer {login['access_token']}"},
                         json={"email": "cy@mailless.test", "role": "member"})
    assert answer.status_code == 201, answer.json  # its mail is a job's (retried on a server)
    with container.adapters.unit_of_work() as uow:
        org = uow.orgs.get_by_slug("mailless")
        uow.bind(org.id)
        assert uow.invitations.pending_for(org.id, "cy@mailless.test") is not None
