from __future__ import annotations

from marshmallow import Schema, fields


class HealthSchema(Schema):
    status = fields.String(required=True)


class CheckSchema(Schema):
    status = fields.String(required=True)
    latency_ms = fields.Float(required=True)


class ReadySchema(Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(CheckSchema))


class SystemInfoSchema(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True)
    api = fields.String(required=True)
