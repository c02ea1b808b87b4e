"""Tenant exports: ask for one, follow its state, download its files while their links last."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from entrypoints.http.bearer import authenticated, use_case
from entrypoints.http.blueprint import Blueprint, documents

blp = Blueprint("exports", __name__, url_prefix="/api/v1/orgs", description="Exports")
WHO = "Only owners and admins (or a key with audit:read) export"


class ExportSchema(Schema):
    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["queued", "running", "done", "failed", "expired"]), metadata={
        "description": "`expired`: newer exports took its place (the newest five keep their "
                       "files)"})
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "Rows per table, once done"})
    error = fields.String(required=True, allow_none=True)
    manifest_url = fields.String(required=True, allow_none=True, metadata={
        "description": "While done: the manifest (row counts, each file's sha256, the audit "
                       "chain's head), by a link that expires in 15 minutes"})
    files = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "While done: each table's JSON Lines, by links that expire in 15 minutes"})


@blp.route("/<slug>/exports")
class ExportsView(MethodView):
    @blp.response(202, ExportSchema)
    @documents(why={403: WHO, 404: "No such organization for this credential",
                    409: "An export is under way (`export_in_progress`), or the org is at its "
                         "storage limit (`quota_exceeded`)"})
    @authenticated
    def post(self, slug, credential):
        """Export every row of the org (members, invitations, API keys without their secrets,
        the audit log): a JSON Lines file per table and a manifest, made in the background.
        Follow `GET .../exports/{id}` until it is `done`."""
        return use_case("exports").request(slug, credential)

    @blp.response(200, ExportSchema(many=True))
    @documents(why={403: WHO, 404: "No such organization for this credential"})
    @authenticated
    def get(self, slug, credential):
        """The org's exports, newest first (the last 50)."""
        return use_case("exports").recent(slug, credential)


@blp.route("/<slug>/exports/<uuid:export_id>")
class ExportView(MethodView):
    @blp.response(200, ExportSchema)
    @documents(why={403: WHO, 404: "No such organization or export for this credential"})
    @authenticated
    def get(self, slug, export_id, credential):
        """An export's state; once done, links to its manifest and files."""
        return use_case("exports").get(slug, credential, export_id)
