"""How a person with a single-use password link signs in, as the CLI prints it."""

from __future__ import annotations

from application.passwords import IssuedLink


def link_lines(link: IssuedLink, public_url: str) -> str:
    """`public_url`: the settings' PUBLIC_URL, which defaults to this server's HOST:PORT."""
    base = public_url.rstrip("/")
    return (f"Password link for {link.email}, valid until {link.expires_at.isoformat()}:\n"
            f"  token: {link.token}\n"
            f"  curl -X POST {base}/api/v1/auth/password -H 'Content-Type: application/json' "
            f"-d '{{\"token\": \"{link.token}\", \"password\": \"<a long passphrase>\"}}'")


def how_to_sign_in(email: str, link: IssuedLink | None, public_url: str) -> str:
    if link is None:
        return f"{email} signs in with the password they have."
    return (f"{email} has no password yet; a link to set one was mailed to them.\n"
            + link_lines(link, public_url))
