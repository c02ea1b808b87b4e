"""An org's API keys: created (shown once), listed, revoked by owners and admins."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from flask.views import MethodView
from flask_smorest import Blueprint

from application.api_keys import ApiKeyService, CreateApiKey
from entrypoints.http.bearer import BEARER_SECURITY, signed_in
from entrypoints.http.tenant_schemas import ApiKeySchema, CreatedApiKeySchema, NewApiKeySchema

blp = Blueprint("api_keys", __name__, url_prefix="/api/v1/orgs", description="API keys")
KEYS = Provide["application.api_keys"]


@blp.route("/<slug>/api-keys")
class ApiKeysView(MethodView):
    @blp.response(200, ApiKeySchema(many=True))
    @blp.doc(security=BEARER_SECURITY)
    @signed_in
    @inject
    def get(self, slug, principal, keys: ApiKeyService = KEYS):
        """List the org's API keys (never their secrets)."""
        return keys.list(slug, principal.actor)

    @blp.arguments(NewApiKeySchema)
    @blp.response(201, CreatedApiKeySchema)
    @blp.doc(security=BEARER_SECURITY)
    @signed_in
    @inject
    def post(self, body, slug, principal, keys: ApiKeyService = KEYS):
        """Create a key: `secret` is shown in this answer only. Use it as `Bearer <secret>`."""
        return keys.create(CreateApiKey(slug=slug, actor=principal.actor, **body))


@blp.route("/<slug>/api-keys/<uuid:key_id>")
class ApiKeyView(MethodView):
    @blp.response(200, ApiKeySchema)
    @blp.doc(security=BEARER_SECURITY)
    @signed_in
    @inject
    def delete(self, slug, key_id, principal, keys: ApiKeyService = KEYS):
        """Revoke a key; it is refused from the next request on."""
        return keys.revoke(slug, key_id, principal.actor)
