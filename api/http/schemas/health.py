"""The health endpoint's response."""

from marshmallow import Schema, fields


class HealthOut(Schema):
    status = fields.String()
    store = fields.String()
