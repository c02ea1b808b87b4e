import email

from adapters.mail.outbox import FolderMailer
from application.ports.mailer import OutgoingEmail


def test_the_dev_outbox_writes_private_eml_files(tmp_path):
    FolderMailer(tmp_path / "outbox").send(OutgoingEmail(to="a@b.test", subject="Hi", body="Hello"))
    [path] = (tmp_path / "outbox").iterdir()
    assert path.suffix == ".eml" and path.stat().st_mode & 0o077 == 0
    message = email.message_from_bytes(path.read_bytes())
    assert (message["To"], message["Subject"]) == ("a@b.test", "Hi")
    assert message.get_payload().strip() == "Hello"
