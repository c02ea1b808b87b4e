"""An org's API keys: created (shown once), listed, revoked by owners and admins."""

from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from marshmallow import RAISE

from application.api_keys import CreateApiKey
from entrypoints.http.bearer import signed_in_to_org, use_case
from entrypoints.http.blueprint import Blueprint, documents
from entrypoints.http.paging import next_page_headers
from entrypoints.http.tenant_schemas import (
    NEXT_PAGE_HEADER,
    ApiKeySchema,
    CreatedApiKeySchema,
    NewApiKeySchema,
    PageQuerySchema,
)

blp = Blueprint("api_keys", __name__, url_prefix="/api/v1/orgs", description="API keys")


@blp.route("/<slug>/api-keys")
class ApiKeysView(MethodView):
    @blp.arguments(PageQuerySchema(), location="query", unknown=RAISE)
    @blp.response(200, ApiKeySchema(many=True), headers=NEXT_PAGE_HEADER)
    @documents(403, 404, why={400: "A cursor that this server did not issue"})
    @signed_in_to_org
    def get(self, args, slug, credential):
        """List the org's API keys (never their secrets), oldest first; a
        `Link: <...>; rel="next"` header names the next page."""
        page = use_case("api_keys").list(slug, credential, **args)
        return (jsonify(ApiKeySchema(many=True).dump(page.keys)), 200,
                next_page_headers(page.next_cursor, args["limit"]))

    @blp.arguments(NewApiKeySchema())
    @blp.response(201, CreatedApiKeySchema)
    @documents(403, 404, why={409: "The org's limit of API keys is reached (`quota_exceeded`)"})
    @signed_in_to_org
    def post(self, body, slug, credential):
        """Create a key: `secret` is shown in this answer only. Use it as `Bearer <secret>`."""
        return use_case("api_keys").create(CreateApiKey(slug=slug, actor=credential, **body))


@blp.route("/<slug>/api-keys/<uuid:key_id>")
class ApiKeyView(MethodView):
    @blp.response(200, ApiKeySchema)
    @documents(403, 404)
    @signed_in_to_org
    def delete(self, slug, key_id, credential):
        """Revoke a key; it is refused from the next request on."""
        return use_case("api_keys").revoke(slug, key_id, credential)
