"""An org's audit log: filtered and paged, or exported whole as JSON Lines. A query parameter
these routes do not take is refused (422), not ignored: a misspelt filter must not read as
"everything", nor a cursor on the export as a page."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, request
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from application.audit import MAX_EXPORT, MAX_PAGE, ReadAudit
from application.ports.repositories import AuditFilter
from domain.audit import ActorType
from entrypoints.http.bearer import authenticated, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.fields import PlainInteger, text
from entrypoints.http.tenant_schemas import NEXT_PAGE_HEADER

ACTOR_TYPES = [kind.value for kind in ActorType]

blp = Blueprint("audit", __name__, url_prefix="/api/v1/orgs", description="Audit log")


class AuditFilterSchema(Schema):
    """Which entries: every field narrows."""

    action = text(max_length=100)
    actor = fields.UUID(metadata={"description": "The acting user's or key's id"})
    resource_type = text(max_length=100)
    resource_id = text(max_length=200)
    since = fields.AwareDateTime(metadata={"description": "Inclusive, ISO 8601 with offset"})
    until = fields.AwareDateTime(metadata={"description": "Exclusive, ISO 8601 with offset"})


_CURSOR = {"description": "A `next_cursor` (or an export's next link) of this same search"}


class AuditQuerySchema(AuditFilterSchema):
    """What a page takes: the filter, and where the page starts and how long it is."""

    cursor = fields.String(validate=validate.Length(max=100), metadata=_CURSOR)
    limit = PlainInteger(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class AuditExportQuerySchema(AuditFilterSchema):
    """What an export takes: the filter, where it starts, and optionally how many entries."""

    cursor = fields.String(validate=validate.Length(max=100), metadata=_CURSOR)
    limit = PlainInteger(validate=validate.Range(min=1, max=MAX_EXPORT), metadata={
        "description": "At most this many entries, with a `Link` to the rest; "
                       "without it, every entry"})


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
    @blp.arguments(AuditQuerySchema(), location="query", unknown=RAISE)
    @blp.response(200, AuditPageSchema)
    @documents(why={403: "Only owners and admins read the audit log",
                    400: "A cursor that this server did not issue"})
    @authenticated
    def get(self, args, slug, credential):
        """Read the audit log, oldest first; follow `next_cursor` for more."""
        return use_case("audit_reader").page(_command(slug, credential, args))


@blp.route("/<slug>/audit/export")
class AuditExportView(MethodView):
    @blp.arguments(AuditExportQuerySchema(), location="query", unknown=RAISE)
    @blp.response(200, description="One JSON object per line (application/x-ndjson)",
                  headers=NEXT_PAGE_HEADER)
    @documents(why={403: "Only owners and admins export the audit log",
                    400: "A cursor that this server did not issue"})
    @authenticated
    def get(self, args, slug, credential):
        """Export the matching entries as JSON Lines: all of them, or `limit` of them with a
        `Link: <...>; rel="next"` header naming the rest."""
        export = use_case("audit_reader").export(_command(slug, credential, args),
                                                 limit=args.get("limit"))
        schema = AuditEntrySchema()
        lines = (json.dumps(schema.dump(entry), sort_keys=True) + "\n" for entry in export.entries)
        headers = {"Content-Disposition": f'attachment; filename="{slug}-audit.jsonl"'}
        if export.next_cursor is not None:
            query = urlencode({**request.args, "cursor": export.next_cursor})
            headers["Link"] = f'<{request.path}?{query}>; rel="next"'
        return Response(lines, mimetype="application/x-ndjson", headers=headers)
