"""Schemas of the read side: case lists, department queues, SLA clocks, projections, metrics."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.http.pagination import PageOut, PageQuery, sort_field
from api.http.quick_dump import QuickDump
from api.http.schemas.common import _CODE, HistoryEntryOut, Moment, Strict
from ledger.cases.complaint import STATUSES
from ledger.values import PRIORITIES
from projections.cases.metrics import GROUPINGS
from projections.engine.keyset import MAX_PAGE_SIZE


class CaseListQuery(PageQuery):
    status = fields.String(required=False, validate=validate.OneOf(STATUSES))
    department = fields.String(required=False, validate=_CODE)
    priority = fields.String(required=False, validate=validate.OneOf(PRIORITIES))
    category = fields.String(required=False, validate=_CODE)
    owner = fields.String(required=False, validate=validate.Length(min=1, max=64))
    breached = fields.Boolean(required=False)
    due_before = Moment(required=False)
    q = fields.String(
        required=False,
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "Exactly matches a reference, owner, category, department or "
            "region; never personal data."
        },
    )
    sort = sort_field(
        "registered",
        "due",
        described="registered: newest first; due: the soonest open deadline first.",
    )


class CaseQueueQuery(PageQuery):
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE}."},
    )
    sort = sort_field(
        "registered",
        "due",
        described="registered: oldest first; due: the soonest open deadline first.",
    )


class ClockOut(QuickDump):
    clock = fields.String(
        metadata={
            "description": "first_response, written_reply, resolution, "
            "handoff_accept:<id> or handoff_complete:<id>"
        }
    )
    department = fields.String(allow_none=True)
    handoff_id = fields.UUID(allow_none=True)
    started_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(allow_none=True)
    warn_at = fields.AwareDateTime(allow_none=True)
    met_at = fields.AwareDateTime(allow_none=True)
    breached_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When the ledger recorded the breach."}
    )
    state = fields.String(
        metadata={"description": "unscheduled, running, warning, paused, breached, met or stopped"}
    )
    seconds_left = fields.Float(allow_none=True)


class CaseHandoffOut(QuickDump):
    handoff_id = fields.UUID()
    to_department = fields.String()
    accepted = fields.Boolean()
    requested_at = fields.AwareDateTime(allow_none=True)
    accept_due = fields.AwareDateTime(allow_none=True)
    complete_due = fields.AwareDateTime(allow_none=True)


class CaseOut(QuickDump):
    """One complaint as the status view holds it; no personal data."""

    id = fields.UUID()
    reference = fields.String()
    status = fields.String()
    channel = fields.String()
    category = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    customer_tier = fields.String(allow_none=True)
    department = fields.String()
    owner = fields.String(allow_none=True)
    open_handoff = fields.Nested(CaseHandoffOut, allow_none=True)
    escalation_level = fields.String(allow_none=True)
    registered_at = fields.AwareDateTime()
    first_response_due = fields.AwareDateTime(allow_none=True)
    written_reply_due = fields.AwareDateTime(allow_none=True)
    resolution_due = fields.AwareDateTime(allow_none=True)
    next_due = fields.AwareDateTime(allow_none=True)
    awaiting_customer_since = fields.AwareDateTime(allow_none=True)
    breached = fields.Boolean(
        metadata={"description": "A breach is recorded, or an open deadline has passed."}
    )
    breaches = fields.List(fields.String(), metadata={"description": "Recorded breaches."})
    warning = fields.Boolean(metadata={"description": "A running clock is past its warning."})
    clocks = fields.List(fields.Nested(ClockOut))
    linked_incident = fields.String(allow_none=True)
    last_activity_at = fields.AwareDateTime()
    version = fields.Integer()


class CaseListOut(PageOut):
    position = fields.Integer(
        metadata={"description": "Notification id of the ledger this list reflects."}
    )
    as_of = fields.AwareDateTime(metadata={"description": "The time breaches were judged at."})
    items = fields.List(fields.Nested(CaseOut))


class QueueOut(PageOut):
    department = fields.String()
    position = fields.Integer()
    as_of = fields.AwareDateTime()
    items = fields.List(fields.Nested(CaseOut))


class ProjectionOut(Schema):
    name = fields.String()
    generation = fields.Integer()
    position = fields.Integer()
    head = fields.Integer()
    lag = fields.Integer(metadata={"description": "Notifications not yet applied (about)."})
    lag_seconds = fields.Float(
        metadata={"description": "Age of the oldest event not yet applied; 0 when current."}
    )


class ProjectionsOut(Schema):
    mode = fields.String(metadata={"description": "inprocess or off (LEDGER_PROJECTIONS)."})
    projections = fields.List(fields.Nested(ProjectionOut))


class AuditEntryOut(HistoryEntryOut):
    stream = fields.String(metadata={"description": "complaint, escalation or handoff"})
    stream_id = fields.UUID()


class AuditOut(Schema):
    id = fields.UUID()
    reference = fields.String()
    events = fields.List(fields.Nested(AuditEntryOut))


class ServiceMetricsQuery(Strict):
    from_ = Moment(required=False, data_key="from")
    to = Moment(required=False)
    group_by = fields.String(
        load_default=None,
        validate=validate.OneOf(GROUPINGS),
    )
    period = fields.String(load_default="day", validate=validate.OneOf(("day", "week", "month")))

    @validates_schema
    def ordered(self, data: dict[str, Any], **_: Any) -> None:
        # `from` == `to` is an empty window (nothing counted), as a client computing windows
        # may well ask; only a window that ends before it starts is refused.
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must not be before `from`.", "to")


class DurationStatsOut(Schema):
    count = fields.Integer()
    mean_seconds = fields.Float(allow_none=True)
    p50_seconds = fields.Float(allow_none=True)
    p90_seconds = fields.Float(allow_none=True)


class ServiceMetricsGroupOut(Schema):
    group = fields.String(allow_none=True)
    complaints = fields.Integer()
    first_response = fields.Nested(DurationStatsOut)
    resolution = fields.Nested(DurationStatsOut)
    sla_compliance_rate = fields.Float(allow_none=True)
    first_contact_resolution_rate = fields.Float(allow_none=True)
    reopen_rate = fields.Float(allow_none=True)
    handoff_bounce_rate = fields.Float(allow_none=True)
    csat_average = fields.Float(allow_none=True)
    csat_satisfied_share = fields.Float(allow_none=True)
    breaches = fields.Integer()


class HotSpotOut(Schema):
    category = fields.String(allow_none=True)
    complaints = fields.Integer()
    breaches = fields.Integer()


class ServiceMetricsOut(Schema):
    position = fields.Integer()
    from_ = fields.AwareDateTime(allow_none=True, data_key="from")
    to = fields.AwareDateTime(allow_none=True)
    group_by = fields.String(allow_none=True)
    groups = fields.List(fields.Nested(ServiceMetricsGroupOut))
    hot_spots = fields.List(fields.Nested(HotSpotOut))
