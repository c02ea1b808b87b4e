"""Files by signed link: the link is the credential, and it expires."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from entrypoints.http.bearer import use_case
from entrypoints.http.blueprint import Blueprint, documents

blp = Blueprint("downloads", __name__, url_prefix="/api/v1", description="Downloads")


@blp.route("/downloads/<string:token>")
class DownloadView(MethodView):
    @blp.response(200, content_type="application/octet-stream")
    @documents(why={404: "Unknown or expired link"})
    def get(self, token):
        """A file (an export) by the expiring link that named it."""
        name, chunks = use_case("downloads").open(token)
        return Response(chunks, mimetype="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})
