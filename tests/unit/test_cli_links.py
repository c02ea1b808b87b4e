"""The sign-in lines the CLI prints point at this server: PUBLIC_URL, or HOST:PORT by default."""

from datetime import UTC, datetime

from application.passwords import IssuedLink
from entrypoints.cli.links import how_to_sign_in
from entrypoints.config import Settings


def test_the_printed_link_follows_the_port_the_server_is_on():
    settings = Settings.from_env({"PORT": "8437"})
    link = IssuedLink(email="ada@acme.test", token="t0k", expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    printed = how_to_sign_in("ada@acme.test", link, settings.public_url)
    assert "http://127.0.0.1:8437/api/v1/auth/password" in printed and "8000" not in printed
    assert how_to_sign_in("ada@acme.test", None, settings.public_url).endswith("they have.")
