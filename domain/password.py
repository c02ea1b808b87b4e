"""Password policy after NIST SP 800-63B: long enough, not common, not the email; no composition rules."""

from __future__ import annotations

from importlib import resources

from domain.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 256  # bounds the hashing work an attacker can ask for
MIN_DISTINCT = 4  # "            " or "aaaaaaaaaaaa" is long, not a secret


def _common_passwords() -> frozenset[str]:
    text = resources.files("domain").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


COMMON_PASSWORDS = _common_passwords()


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters long")
    folded = password.strip().lower()
    if len(set("".join(folded.split()))) < MIN_DISTINCT:  # str.split() knows every Unicode space
        problems.append(f"must have at least {MIN_DISTINCT} different characters besides spaces")
    if folded in COMMON_PASSWORDS:
        problems.append("is too common; choose a passphrase of your own")
    if email and (folded == email.strip().lower() or folded == email.split("@")[0].lower()):
        problems.append("must not be your email address")
    return problems


def check_password(password: str, *, email: str | None = None) -> None:
    problems = password_problems(password, email=email)
    if problems:
        raise InvalidInput("the password does not meet the policy", code="weak_password",
                           errors={"password": problems})
