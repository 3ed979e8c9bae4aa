"""The case responses the presenters render (`api.http.presenters`): a complaint, an
escalation and a handoff as every endpoint that answers with one shows it."""

from marshmallow import Schema, fields, validate

from api.http.schemas.common import ActorOut, CustomerOut
from ledger.cases.complaint import STATUSES


class OpenHandoffOut(Schema):
    handoff_id = fields.UUID()
    to_department = fields.String()
    accepted = fields.Boolean()


class ComplaintOut(Schema):
    id = fields.UUID()
    reference = fields.String()
    version = fields.Integer(metadata={"description": "Number of events in the stream."})
    status = fields.String(validate=validate.OneOf(STATUSES))
    channel = fields.String()
    customer = fields.Nested(CustomerOut)
    summary = fields.String(allow_none=True)  # null for a role that sees no personal data
    description = fields.String(allow_none=True)
    department = fields.String()
    owner = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    customer_tier = fields.String(allow_none=True)
    registered_at = fields.AwareDateTime()
    first_response_due = fields.AwareDateTime(allow_none=True)
    written_reply_due = fields.AwareDateTime(allow_none=True)
    resolution_due = fields.AwareDateTime(allow_none=True)
    first_responded_at = fields.AwareDateTime(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolution = fields.String(allow_none=True)
    feedback_due = fields.AwareDateTime(allow_none=True)
    satisfaction = fields.Integer(allow_none=True)
    cycle = fields.Integer(metadata={"description": "1, plus one for every reopening."})
    escalation_level = fields.String(allow_none=True)
    open_escalations = fields.List(fields.UUID())
    open_handoff = fields.Nested(OpenHandoffOut, allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    awaiting_customer_since = fields.AwareDateTime(
        allow_none=True, metadata={"description": "Waiting on the customer: SLA clocks paused."}
    )
    breaches = fields.List(fields.String(), metadata={"description": "Deadlines recorded missed."})
    incident_id = fields.UUID(
        allow_none=True, metadata={"description": "The incident that caused the complaint."}
    )


class EscalationOut(Schema):
    id = fields.UUID()
    version = fields.Integer()
    subject_kind = fields.String()
    subject_id = fields.UUID()
    level = fields.String()
    status = fields.String()
    reason = fields.String()
    skip_reason = fields.String(allow_none=True)
    automatic = fields.Boolean()
    rule = fields.String(allow_none=True)
    raised_by = fields.Nested(ActorOut)
    raised_at = fields.AwareDateTime()
    acknowledged_by = fields.String(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)


class HandoffOut(Schema):
    id = fields.UUID()
    version = fields.Integer()
    complaint_id = fields.UUID()
    complaint_reference = fields.String()
    from_department = fields.String()
    to_department = fields.String()
    reason = fields.String()
    status = fields.String()
    accept_due = fields.AwareDateTime()
    complete_due = fields.AwareDateTime()
    requested_by = fields.Nested(ActorOut)
    requested_at = fields.AwareDateTime()
    accepted_by = fields.String(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    settled_at = fields.AwareDateTime(allow_none=True)
