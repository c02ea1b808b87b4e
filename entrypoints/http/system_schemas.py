from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import OneOf


class HealthSchema(Schema):
    status = fields.String(required=True)


class CheckSchema(Schema):
    status = fields.String(required=True, validate=OneOf(["ok", "down"]))
    latency_ms = fields.Float(required=True)
    error = fields.String(allow_none=True,
                          metadata={"description": "When down: the kind of failure"})


class ReadySchema(Schema):
    status = fields.String(required=True, validate=OneOf(["ok", "unavailable"]))
    failing = fields.List(fields.String(), required=True,
                          metadata={"description": "The dependencies that are down"})
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(CheckSchema),
                         metadata={"description": "By dependency: database, object_store, "
                                   "and redis and smtp when configured"})


class SystemInfoSchema(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    api = fields.String(required=True)
