"""An org's audit log: filtered and paged, or exported whole as JSON Lines."""

from __future__ import annotations

import json

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from application.audit import MAX_PAGE, ReadAudit
from application.ports.repositories import AuditFilter
from domain.audit import ActorType
from entrypoints.http.bearer import authenticated, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.fields import text

ACTOR_TYPES = [kind.value for kind in ActorType]

blp = Blueprint("audit", __name__, url_prefix="/api/v1/orgs", description="Audit log")


class AuditFilterSchema(Schema):
    """What an export takes: every matching entry, streamed whole."""

    action = text(max_length=100)
    actor = fields.UUID(metadata={"description": "The acting user's or key's id"})
    resource_type = text(max_length=100)
    resource_id = text(max_length=200)
    since = fields.AwareDateTime(metadata={"description": "Inclusive, ISO 8601 with offset"})
    until = fields.AwareDateTime(metadata={"description": "Exclusive, ISO 8601 with offset"})


class AuditQuerySchema(AuditFilterSchema):
    """What a page takes: the filter, and where the page starts and how long it is."""

    cursor = fields.String(validate=validate.Length(max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class AuditEntrySchema(Schema):
    id = fields.UUID(required=True)
    seq = fields.Integer(required=True)
    actor_type = fields.String(required=True, metadata={"enum": ACTOR_TYPES})
    actor_id = fields.UUID(required=True, allow_none=True)
    actor_label = fields.String(required=True)
    action = fields.String(required=True)
    resource_type = fields.String(required=True)
    resource_id = fields.String(required=True)
    details = fields.Dict(required=True)
    ip = fields.String(required=True, allow_none=True)
    user_agent = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


class AuditPageSchema(Schema):
    entries = fields.List(fields.Nested(AuditEntrySchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


def _command(slug, credential, args) -> ReadAudit:
    where = AuditFilter(action=args.get("action"), actor_id=args.get("actor"),
                        resource_type=args.get("resource_type"), resource_id=args.get("resource_id"),
                        since=args.get("since"), until=args.get("until"))
    return ReadAudit(slug=slug, actor=credential, where=where, cursor=args.get("cursor"),
                     limit=args.get("limit", MAX_PAGE))


@blp.route("/<slug>/audit")
class AuditLogView(MethodView):
    @blp.arguments(AuditQuerySchema(), location="query")
    @blp.response(200, AuditPageSchema)
    @documents(why={403: "Only owners and admins read the audit log",
                    400: "A cursor that this server did not issue"})
    @authenticated
    def get(self, args, slug, credential):
        """Read the audit log, oldest first; follow `next_cursor` for more."""
        return use_case("audit_reader").page(_command(slug, credential, args))


@blp.route("/<slug>/audit/export")
class AuditExportView(MethodView):
    @blp.arguments(AuditFilterSchema(), location="query")
    @blp.response(200, description="One JSON object per line (application/x-ndjson)")
    @authenticated
    def get(self, args, slug, credential):
        """Export every matching entry as JSON Lines."""
        entries = use_case("audit_reader").export(_command(slug, credential, args))
        schema = AuditEntrySchema()
        lines = (json.dumps(schema.dump(entry), sort_keys=True) + "\n" for entry in entries)
        return Response(lines, mimetype="application/x-ndjson",
                        headers={"Content-Disposition": f'attachment; filename="{slug}-audit.jsonl"'})
