"""Schemas of the access log's query and page."""

from marshmallow import Schema, fields, validate

from api.http.pagination import PageOut, PageQuery
from api.http.schemas.common import Moment
from projections.engine.keyset import MAX_PAGE_SIZE


class AccessLogQuery(PageQuery):
    subject_id = fields.UUID(required=False)
    staff_id = fields.String(required=False, validate=validate.Length(min=1, max=64))
    from_ = Moment(required=False, data_key="from")
    to = Moment(required=False)
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Entries per page, at most {MAX_PAGE_SIZE}."},
    )


class AccessOut(Schema):
    at = fields.AwareDateTime()
    staff_id = fields.String()
    role = fields.String()
    subject_id = fields.UUID()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    purpose = fields.String()


class AccessLogOut(PageOut):
    entries = fields.List(fields.Nested(AccessOut))
