"""Request and response bodies of the tenant API: the org, its members, keys and invitations."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from application.members import MAX_PAGE
from domain.api_key import Scope
from domain.member import Role
from domain.password import MAX_LENGTH as MAX_PASSWORD
from domain.user import MAX_EMAIL_LENGTH

ROLES = [role.value for role in Role]
SCOPES = [scope.value for scope in Scope]


class OrganizationSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    plan = fields.String(required=True)
    settings = fields.Dict(required=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)



class MemberPageQuerySchema(Schema):
    limit = fields.Integer(load_default=MAX_PAGE, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(validate=validate.Length(max=200),
                           metadata={"description": "From the previous page's Link header"})


NEXT_PAGE_HEADER = {"Link": {"description": 'The next page, as `<url>; rel="next"`, when there is one',
                             "schema": {"type": "string"}}}


class MemberSchema(Schema):
    id = fields.UUID(required=True)
    user_id = fields.UUID(required=True)
    email = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True)
    created_at = fields.DateTime(required=True)



class OrganizationPatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    settings = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=100)))



class NewMemberSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=MAX_EMAIL_LENGTH))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    full_name = fields.String(load_default=None, validate=validate.Length(min=1, max=200))



class RoleChangeSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))



class NewApiKeySchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), required=True,
        validate=validate.Length(min=1, max=4))
    expires_in_days = fields.Integer(load_default=None, validate=validate.Range(min=1, max=3650))



class ApiKeySchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    scopes = fields.List(fields.String(), required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)



class CreatedApiKeySchema(Schema):
    key = fields.Nested(ApiKeySchema, required=True)
    secret = fields.String(required=True, metadata={"description": "Shown once; store it now"})



class InviteSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=MAX_EMAIL_LENGTH))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))



class InvitationSchema(Schema):
    id = fields.UUID(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    expires_at = fields.DateTime(required=True)



class AcceptInvitationSchema(Schema):
    token = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    password = fields.String(load_default=None, load_only=True,
                             validate=validate.Length(min=1, max=MAX_PASSWORD))
    full_name = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


def member_json(member) -> dict:
    """MemberSchema's dump, by hand: the members list is the hottest response (a test keeps the two
    equal)."""
    return {"id": str(member.id), "user_id": str(member.user_id), "email": member.email,
            "full_name": member.full_name, "role": member.role,
            "created_at": member.created_at.isoformat()}
