"""The mail Groundwork sends, in text and HTML. A token is in a link of PUBLIC_URL (after `#`,
so that it never reaches a server log or a Referer) and on a line of its own for API clients;
names that users chose are escaped in the HTML."""

from __future__ import annotations

from datetime import datetime
from html import escape

from application.ports.mailer import OutgoingEmail


def invitation(*, to: str, org_name: str, inviter: str, role: str, token: str,
               expires_at: datetime, public_url: str) -> OutgoingEmail:
    link = f"{public_url}/accept-invitation#token={token}"
    until = f"{expires_at:%Y-%m-%d %H:%M} UTC"
    org_name = _short(org_name)
    return _message(
        to=to, subject=f"You are invited to {org_name} on Groundwork",
        lead=f"{_short(inviter)} invites you to join {org_name} as {role}.",
        action="Accept the invitation", link=link, until=until,
        api=(f"POST {public_url}/api/v1/invitations/accept",
             f'{{"token": "{token}", "password": "<a long passphrase>", '
             f'"full_name": "<your name>"}}'))


def password_link(*, to: str, token: str, expires_at: datetime, public_url: str) -> OutgoingEmail:
    link = f"{public_url}/reset-password#token={token}"
    return _message(
        to=to, subject="Set your Groundwork password",
        lead="Someone (we hope you) asked to set the password of this Groundwork account. "
             "If it was not you, ignore this message: nothing changes until the link is used.",
        action="Set a new password", link=link,
        until=f"{expires_at:%Y-%m-%d %H:%M} UTC",
        api=(f"POST {public_url}/api/v1/auth/password",
             f'{{"token": "{token}", "password": "<a long passphrase>"}}'))


def _message(*, to: str, subject: str, lead: str, action: str, link: str, until: str,
             api: tuple[str, str]) -> OutgoingEmail:
    text = (f"{lead}\n\n{action} before {until}:\n{link}\n\n"
            f"Or with the API:\n{api[0]}\n{api[1]}\n")
    html = (f"<!doctype html><html><body><p>{_wrapped(escape(lead))}</p>"
            f'<p><a href="{escape(link, quote=True)}">{escape(action)}</a> before {escape(until)}.'
            f"</p><p>Or with the API:<br><code>{escape(api[0])}</code><br>"
            f"<code>{escape(api[1])}</code></p></body></html>\n")
    return OutgoingEmail(to=to, subject=subject, text=text, html=html)


def email_verification(*, to: str, token: str, expires_at: datetime,
                       public_url: str) -> OutgoingEmail:
    return _message(
        to=to, subject="Confirm your email address for Groundwork",
        lead="Confirm that this address is yours, so that your organizations can count on it. "
             "If you did not sign up, ignore this message.",
        action="Confirm the address", link=f"{public_url}/verify-email#token={token}",
        until=f"{expires_at:%Y-%m-%d %H:%M} UTC",
        api=(f"POST {public_url}/api/v1/auth/verify-email", f'{{"token": "{token}"}}'))


def email_change(*, to: str, token: str, expires_at: datetime,
                 public_url: str) -> OutgoingEmail:
    return _message(
        to=to, subject="Confirm your new email address for Groundwork",
        lead="Someone signed in to Groundwork asked to move their account to this address. "
             "Confirm it to make the move; if it was not you, ignore this message and nothing "
             "changes.",
        action="Confirm the new address", link=f"{public_url}/confirm-email#token={token}",
        until=f"{expires_at:%Y-%m-%d %H:%M} UTC",
        api=(f"POST {public_url}/api/v1/auth/confirm-email-change", f'{{"token": "{token}"}}'))


def email_changed_notice(*, to: str, new_address: str, public_url: str) -> OutgoingEmail:
    """To the address an account left, when it moved to another one."""
    lead = (f"Your Groundwork account now uses the address {new_address}; its mail no longer "
            "comes here. If you did not ask for this, someone may know your password: tell "
            "your organization's owner at once.")
    text = f"{lead}\n\nSign in: {public_url}/sign-in\n"
    html = (f"<!doctype html><html><body><p>{_wrapped(escape(lead))}</p><p>"
            f'<a href="{escape(public_url, quote=True)}/sign-in">Sign in</a>.'
            f"</p></body></html>\n")
    return OutgoingEmail(to=to, subject="Your Groundwork email address was changed", text=text,
                         html=html)


def signup_notice(*, to: str, public_url: str) -> OutgoingEmail:
    """To an address that has an account, when someone signs up with it again."""
    lead = ("Someone asked to create a Groundwork account with this address, which has one "
            "already, so nothing was created. If it was you: sign in, or ask for a new "
            "password if you forgot it; a signed-in person starts another organization with "
            "POST /api/v1/orgs. If it was not you, nothing has changed.")
    text = (f"{lead}\n\nSign in: {public_url}/sign-in\n"
            f"Forgot your password: {public_url}/forgot-password\n")
    html = (f"<!doctype html><html><body><p>{escape(lead)}</p><p>"
            f'<a href="{escape(public_url, quote=True)}/sign-in">Sign in</a> or '
            f'<a href="{escape(public_url, quote=True)}/forgot-password">set a new password</a>.'
            f"</p></body></html>\n")
    return OutgoingEmail(to=to, subject="Someone tried to sign up with your address", text=text,
                         html=html)


MAX_NAME_IN_MAIL = 80


def _short(name: str) -> str:
    """A name people chose, cut for a mail (an org name may be 200 characters long)."""
    return name if len(name) <= MAX_NAME_IN_MAIL else name[:MAX_NAME_IN_MAIL - 1] + "…"


def _wrapped(html: str, width: int = 400) -> str:
    """Escaped text in lines of at most about `width` bytes, broken at spaces only (HTML reads
    a line break as a space): no line reaches SMTP's 998, so no transport re-encodes the part
    and the link's token stays as it was written."""
    lines, line = [], ""
    for word in html.split(" "):
        if line and len((line + " " + word).encode()) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])
