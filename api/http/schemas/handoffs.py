"""Request schemas of the handoff endpoints and the department queue's responses."""

from marshmallow import Schema, fields, validate

from api.http.pagination import PageOut, PageQuery
from api.http.schemas.common import _CODE, _SHORT, Moment, Strict, Text
from projections.engine.keyset import MAX_PAGE_SIZE


class RequestHandoffIn(Strict):
    complaint_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    to_department = fields.String(required=True, validate=_CODE)
    reason = Text(length=_SHORT)
    due = Moment(
        required=False,
        metadata={"description": "When the work must be completed (with a timezone)."},
    )


class ResultIn(Strict):
    result = Text()


class QueueQuery(PageQuery):
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE}."},
    )


class QueuedHandoffOut(Schema):
    handoff_id = fields.UUID()
    complaint_id = fields.UUID()
    complaint_reference = fields.String()
    from_department = fields.String()
    to_department = fields.String()
    status = fields.String()
    requested_at = fields.AwareDateTime()
    accept_due = fields.AwareDateTime()
    complete_due = fields.AwareDateTime()
    accepted_by = fields.String(allow_none=True)


class DepartmentQueueOut(PageOut):
    department = fields.String()
    position = fields.Integer(
        metadata={"description": "Notification id of the ledger the queue reflects."}
    )
    handoffs = fields.List(fields.Nested(QueuedHandoffOut))
