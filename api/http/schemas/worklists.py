"""Schemas of the worklists: every incident, the escalation inbox, every handoff.

Each query takes the paging parameters (`PageQuery`: `limit`, `cursor`) and its filters; each
page says how to reach the next (`PageOut`). No personal data is listed.
"""

from marshmallow import fields, validate

from api.http.pagination import PageOut, PageQuery, sort_field
from api.http.quick_dump import QuickDump
from api.http.schemas.common import _CODE
from ledger.cases.escalation import SUBJECT_KINDS
from ledger.cases.handoff import ACCEPTED, COMPLETED, REJECTED, REQUESTED
from ledger.incidents.incident import LEVELS, STATUSES
from ledger.values import ESCALATION_LEVELS
from projections.cases.handoff_list import DIRECTIONS


class IncidentListQuery(PageQuery):
    status = fields.String(required=False, validate=validate.OneOf(STATUSES))
    level = fields.String(required=False, validate=validate.OneOf(LEVELS))
    department = fields.String(
        required=False, validate=_CODE, metadata={"description": "A department involved."}
    )
    overdue = fields.Boolean(
        required=False,
        metadata={"description": "A phase deadline or an action item is past due (or not)."},
    )
    q = fields.String(
        required=False,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The reference, or a part of the title."},
    )
    sort = sort_field(
        "reported",
        "due",
        described="reported: newest first; due: the soonest open deadline first.",
    )


class IncidentItemOut(QuickDump):
    id = fields.UUID(attribute="incident_id")
    reference = fields.String()
    title = fields.String()
    status = fields.String()
    level = fields.String(allow_none=True)
    departments = fields.List(fields.String())
    reported_at = fields.AwareDateTime()
    deadline_due = fields.AwareDateTime(
        allow_none=True, metadata={"description": "The current phase's unmet deadline."}
    )
    action_due = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "The soonest unmet action-item deadline (done or verified)."},
    )
    next_due = fields.AwareDateTime(allow_none=True)
    overdue = fields.Boolean()
    open_action_items = fields.Integer()
    last_activity_at = fields.AwareDateTime()
    version = fields.Integer()


class IncidentListOut(PageOut):
    position = fields.Integer(
        metadata={"description": "Notification id of the ledger this list reflects."}
    )
    as_of = fields.AwareDateTime(metadata={"description": "The time `overdue` was judged at."})
    items = fields.List(fields.Nested(IncidentItemOut))


class EscalationListQuery(PageQuery):
    level = fields.String(required=False, validate=validate.OneOf(ESCALATION_LEVELS))
    status = fields.String(
        required=False,
        validate=validate.OneOf(("open", "raised", "acknowledged", "resolved")),
        metadata={"description": "open: raised or acknowledged."},
    )
    kind = fields.String(required=False, validate=validate.OneOf(SUBJECT_KINDS))
    department = fields.String(
        required=False,
        validate=_CODE,
        metadata={"description": "The reporting chain: complaints this department holds."},
    )
    inbox = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Only what waits on the caller: raised to their level, in their "
            "department's chain (if they have one)."
        },
    )


class EscalationItemOut(QuickDump):
    id = fields.UUID(attribute="escalation_id")
    subject_kind = fields.String()
    subject_id = fields.UUID()
    subject_reference = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    level = fields.String()
    status = fields.String()
    automatic = fields.Boolean()
    rule = fields.String(allow_none=True)
    raised_at = fields.AwareDateTime()
    raised_by = fields.String()
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    waited_seconds = fields.Float(
        metadata={"description": "How long it waited (or has waited so far) unacknowledged."}
    )


class EscalationListOut(PageOut):
    position = fields.Integer()
    as_of = fields.AwareDateTime()
    items = fields.List(fields.Nested(EscalationItemOut))


class HandoffListQuery(PageQuery):
    department = fields.String(required=False, validate=_CODE)
    direction = fields.String(
        load_default="any",
        validate=validate.OneOf(DIRECTIONS),
        metadata={"description": "in: sent to `department`; out: sent by it; any: either."},
    )
    state = fields.String(
        required=False, validate=validate.OneOf((REQUESTED, ACCEPTED, REJECTED, COMPLETED))
    )
    overdue = fields.Boolean(
        required=False, metadata={"description": "Its open deadline has passed (or not)."}
    )
    sort = sort_field(
        "requested",
        "due",
        described="requested: newest first; due: the soonest open deadline first.",
    )


class HandoffItemOut(QuickDump):
    id = fields.UUID(attribute="handoff_id")
    complaint_id = fields.UUID()
    complaint_reference = fields.String()
    from_department = fields.String()
    to_department = fields.String()
    state = fields.String()
    requested_at = fields.AwareDateTime()
    accept_due = fields.AwareDateTime()
    complete_due = fields.AwareDateTime()
    accepted_by = fields.String(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    settled_at = fields.AwareDateTime(allow_none=True)
    next_due = fields.AwareDateTime(allow_none=True)
    overdue = fields.Boolean()


class HandoffListOut(PageOut):
    position = fields.Integer()
    as_of = fields.AwareDateTime()
    items = fields.List(fields.Nested(HandoffItemOut))
