"""Request and response bodies of signing in, out and up."""

from __future__ import annotations

from marshmallow import Schema, fields

from entrypoints.http.fields import email, password, slug, text, token
from entrypoints.http.tenant_schemas import ROLES


class LoginSchema(Schema):
    email = email(required=True)
    password = password(required=True)
    org = slug(metadata={"description": "Slug of the org to sign in to, when several."})


class RefreshSchema(Schema):
    refresh_token = token(required=True, max_length=4096)


class OrgSummarySchema(Schema):
    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)


class TokenPairSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    org = fields.Nested(OrgSummarySchema, required=True)


class SwitchOrgSchema(Schema):
    org = slug(required=True)


class MembershipSchema(Schema):
    org_id = fields.UUID(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": ROLES})


class MeSchema(Schema):
    id = fields.UUID(required=True)
    email = fields.String(required=True)
    full_name = fields.String(required=True)
    org = fields.Nested(MembershipSchema, required=True)
    memberships = fields.List(fields.Nested(MembershipSchema), required=True)
    email_verified = fields.Boolean(required=True, metadata={
        "description": "Whether you confirmed the address with the link mailed to it"})
    two_factor_enabled = fields.Boolean(required=True, metadata={
        "description": "Whether signing in needs a code (GET /me/two-factor says more)"})


class VerifyEmailSchema(Schema):
    token = token(required=True, max_length=200)


class SignupSchema(Schema):
    org_name = text(required=True)
    slug = slug(required=True)
    email = email(required=True)
    password = password(new=True, required=True)
    full_name = text(required=True)


class ForgotPasswordSchema(Schema):
    email = email(required=True)


class AcceptedSchema(Schema):
    detail = fields.String(required=True)


class SetPasswordSchema(Schema):
    token = token(required=True, max_length=200)
    password = password(new=True, required=True)
