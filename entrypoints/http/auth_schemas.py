"""Request and response bodies of signing in, out and up."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.password import MAX_LENGTH as MAX_PASSWORD
from domain.slug import MAX_LENGTH as MAX_SLUG
from domain.user import MAX_EMAIL_LENGTH


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=MAX_EMAIL_LENGTH))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=MAX_PASSWORD))
    org = fields.String(load_default=None, validate=validate.Length(max=MAX_SLUG),
                        metadata={"description": "Slug of the org to sign in to, when several."})



class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, load_only=True,
                                  validate=validate.Length(min=1, max=4096))



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
    org = fields.String(required=True, validate=validate.Length(min=1, max=MAX_SLUG))



class MembershipSchema(Schema):
    org_id = fields.UUID(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)



class MeSchema(Schema):
    id = fields.UUID(required=True)
    email = fields.String(required=True)
    full_name = fields.String(required=True)
    org = fields.Nested(MembershipSchema, required=True)
    memberships = fields.List(fields.Nested(MembershipSchema), required=True)



class SignupSchema(Schema):
    org_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = fields.String(required=True, validate=validate.Length(min=1, max=MAX_SLUG + 10))
    email = fields.String(required=True, validate=validate.Length(min=3, max=MAX_EMAIL_LENGTH))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=MAX_PASSWORD))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))



class SetPasswordSchema(Schema):
    token = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=MAX_PASSWORD))
