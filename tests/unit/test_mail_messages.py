"""What Groundwork mails, as a mail client reads it: text and HTML, links on PUBLIC_URL, tokens
that survive the trip whole, names escaped in the HTML, and private .eml files in development."""

import email
import email.policy
from datetime import UTC, datetime

from adapters.mail.mime import mime
from adapters.mail.outbox import FolderMailer
from application import messages
from tests.fixtures.mail import token_in

TOKEN = "0" * 32 + "." + "Ab-_" * 20  # as long as a real one and then some
WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _invitation(org_name="Acme", inviter="ada@acme.test"):
    return messages.invitation(to="cy@acme.test", org_name=org_name, inviter=inviter,
                               role="member", token=TOKEN, expires_at=WHEN,
                               public_url="https://app.example.com")


def test_an_invitation_links_to_public_url_with_the_token_after_the_hash():
    sent = _invitation()
    assert f"https://app.example.com/accept-invitation#token={TOKEN}" in sent.text
    assert token_in(sent.text) == TOKEN and "2026-12-01 09:30 UTC" in sent.text
    assert f'href="https://app.example.com/accept-invitation#token={TOKEN}"' in sent.html


def test_names_people_chose_are_escaped_in_the_html():
    sent = _invitation(org_name='<script>alert(1)</script> & "Co"', inviter="<b>eve</b>")
    assert "<script>" not in sent.html and "&lt;script&gt;" in sent.html
    assert "<b>eve</b>" not in sent.html and "&amp; &quot;Co&quot;" in sent.html
    assert "<script>alert(1)</script>" in sent.subject  # the subject is text, not markup


def test_a_token_is_never_folded_or_encoded_on_the_wire():
    raw = mime(_invitation(), "Groundwork <gw@example.com>").as_bytes()
    assert TOKEN.encode() in raw and b"quoted-printable" not in raw and b"base64" not in raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in parsed.iter_parts())
    assert token_in(text) == TOKEN and TOKEN in html
    assert parsed["Message-ID"].endswith("@example.com>") and parsed["Date"]


def test_text_that_is_not_ascii_goes_as_utf8_and_reads_back_the_same():
    sent = _invitation(org_name="Zürich Café ☕")
    parsed = email.message_from_bytes(mime(sent, "gw@example.com").as_bytes(),
                                      policy=email.policy.default)
    assert parsed["Subject"] == "You are invited to Zürich Café ☕ on Groundwork"
    assert "Zürich Café ☕" in next(parsed.iter_parts()).get_content()


def test_the_dev_outbox_writes_private_eml_files_a_person_can_copy_the_token_from(tmp_path):
    FolderMailer(tmp_path / "outbox").send(_invitation())
    [path] = (tmp_path / "outbox").iterdir()
    assert path.suffix == ".eml" and path.stat().st_mode & 0o077 == 0
    assert f"accept-invitation#token={TOKEN}".encode() in path.read_bytes()  # as grep finds it
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert (message["To"], message["From"]) == ("cy@acme.test", "groundwork@localhost")


def test_the_longest_names_people_may_choose_never_get_a_part_encoded():
    """An org name of 200 characters that escape to six bytes each, an inviter's address full
    of ampersands: the HTML part still goes as 7bit lines, the token whole in both parts."""
    sent = _invitation(org_name='"' * 200, inviter="&" * 64 + "@" + "a" * 60 + ".example.com")
    raw = mime(sent, "gw@example.com").as_bytes()
    assert b"quoted-printable" not in raw and b"base64" not in raw
    assert max(len(line) for line in raw.splitlines()) <= 998
    assert raw.count(f"#token={TOKEN}".encode()) == 2
    assert "…" in sent.subject and len(sent.subject) < 120
