"""Request fields that say in OpenAPI exactly what the server accepts: lengths, patterns and
formats are validated here and documented from the same validators (apispec reads them)."""

from __future__ import annotations

import re

from marshmallow import fields, validate

from domain.password import MAX_LENGTH as MAX_PASSWORD
from domain.password import MIN_LENGTH as MIN_PASSWORD
from domain.slug import MAX_LENGTH as MAX_SLUG
from domain.slug import MIN_LENGTH as MIN_SLUG
from domain.user import MAX_EMAIL_LENGTH

# No C0 or C1 control characters, DEL, invisible or bidirectional format characters, or
# noncharacters (domain/text.py refuses the same, and lone surrogates, which JSON Schema
# cannot name).
PRINTABLE = ("^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u200b-\\u200f\\u2028-\\u202e"
             "\\u2060-\\u2069\\ufeff\\ufff9-\\uffff]*$")
SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_NAME = 200


def _printable() -> validate.Regexp:
    return validate.Regexp(PRINTABLE, error="must not contain control characters")


def text(*, max_length: int = MAX_NAME, min_length: int = 1, **kwargs) -> fields.String:
    """Human text: a name, a label, a filter value."""
    return fields.String(validate=[validate.Length(min=min_length, max=max_length), _printable()],
                         **kwargs)


def email(**kwargs) -> fields.String:
    """An address as `format: email` means it; the domain checks the form (domain/user.py)."""
    return fields.String(validate=validate.Length(min=3, max=MAX_EMAIL_LENGTH),
                         metadata={"format": "email"}, **kwargs)


def slug(**kwargs) -> fields.String:
    """An organization's slug: lower case, digits and single hyphens."""
    return fields.String(validate=[validate.Length(min=MIN_SLUG, max=MAX_SLUG),
                                   validate.Regexp(SLUG, error="may contain only lowercase letters, "
                                                   "digits and single hyphens")], **kwargs)


def password(*, new: bool = False, **kwargs) -> fields.String:
    """Any printable text. A new password is at least MIN_PASSWORD long; the rest of the policy
    (not common, not the address) is the domain's, a 422 naming the rule."""
    shortest = MIN_PASSWORD if new else 1
    return fields.String(load_only=True, validate=[
        validate.Length(min=shortest, error="must be at least {min} characters long"),
        validate.Length(max=MAX_PASSWORD, error="must be at most {max} characters long"),
        _printable()], **kwargs)


def token(*, max_length: int, **kwargs) -> fields.String:
    """An opaque credential that the server issued (a link's, an invitation's, a refresh token)."""
    return fields.String(load_only=True, validate=[validate.Length(min=1, max=max_length),
                                                   _printable()], **kwargs)


_ASCII_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def ascii_integer(text: str) -> int:
    """An integer in ASCII digits: int() alone also reads '١' or '５' (other scripts' digits)."""
    if not _ASCII_INTEGER.match(text.strip()):
        raise ValueError(text)
    return int(text)


class PlainInteger(fields.Integer):
    """An integer field that takes only ASCII digits from text (a query parameter)."""

    def _validated(self, value):
        if isinstance(value, str):
            try:
                value = ascii_integer(value)
            except ValueError:
                raise self.make_error("invalid", input=value) from None
        return super()._validated(value)
