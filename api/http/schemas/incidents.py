"""Request and response schemas of the incident endpoints (strict and bounded, like the rest).

The review document and the measures across incidents are in `incident_review.py`.
"""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from api.http.schemas.common import (
    _CODE,
    _SHORT,
    ActorOut,
    CustomerIn,
    CustomerOut,
    Moment,
    Strict,
    Text,
)
from ledger.incidents.incident import ENTRY_KINDS, LEVELS, MILESTONES, STATUSES
from ledger.values import ESCALATION_LEVELS

_TITLE = validate.Length(min=1, max=300)
_STAFF = validate.Length(min=1, max=64)


_MAX_ROLES = 20


def _role_count(roles: dict[str, str]) -> None:
    # Not validate.Length: the OpenAPI document would call an object's bound a string length.
    if not 1 <= len(roles) <= _MAX_ROLES:
        raise ValidationError(f"Name between 1 and {_MAX_ROLES} roles.")


def _points(*, required: bool, minimum: int = 0) -> fields.List[Any]:
    extra: dict[str, Any] = {"required": True} if required else {"load_default": []}
    return fields.List(Text(length=_SHORT), validate=validate.Length(min=minimum, max=50), **extra)


class ReportIncidentIn(Strict):
    title = Text(length=_TITLE)
    description = Text()


class AssessIn(Strict):
    level = fields.String(
        required=True,
        validate=validate.OneOf(LEVELS),
        metadata={"description": "Response level: I is the gravest, III the lightest."},
    )
    impact = Text(length=_SHORT)
    affected_customers = fields.List(
        fields.Nested(CustomerIn),
        load_default=[],
        validate=validate.Length(max=1000),
        metadata={"description": "Personal data: stored encrypted under each customer's key."},
    )
    departments = fields.List(
        fields.String(validate=_CODE), required=True, validate=validate.Length(min=1, max=20)
    )


class ChangeLevelIn(Strict):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    reason = Text(length=_SHORT)


class ActivateIn(Strict):
    plan = Text()
    roles = fields.Dict(
        keys=fields.String(validate=_CODE),
        values=fields.String(validate=_STAFF),
        required=True,
        validate=_role_count,
        metadata={
            "description": "Role → staff id; an incident_lead is required.",
            "minProperties": 1,
            "maxProperties": _MAX_ROLES,
        },
    )


class AssignRoleIn(Strict):
    role = fields.String(required=True, validate=_CODE)
    staff_id = fields.String(required=True, validate=_STAFF)


class LogEntryIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(ENTRY_KINDS))
    text = Text(length=_SHORT)
    subject_id = fields.UUID(
        required=False,
        allow_none=True,
        metadata={
            "description": "An affected customer this entry is about: the text is then their "
            "personal data, encrypted under their key."
        },
    )


class MilestoneIn(Strict):
    name = fields.String(required=True, validate=validate.OneOf(MILESTONES))
    occurred_at = Moment(required=True)


class SummaryIn(Strict):
    summary = Text(length=_SHORT)


class ReviewIn(Strict):
    contributing_factors = _points(required=True, minimum=1)
    went_well = _points(required=False)
    went_badly = _points(required=False)


class ActionItemIn(Strict):
    description = Text(length=_SHORT)
    owner = fields.String(required=True, validate=_STAFF)
    due = Moment(required=True)


class CompleteItemIn(Strict):
    note = Text(length=_SHORT)


class WaiveItemIn(Strict):
    reason = Text(length=_SHORT)


class LinkComplaintIn(Strict):
    complaint_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "The complaint's id or reference."},
    )


class IncidentEscalationIn(Strict):
    level = fields.String(required=True, validate=validate.OneOf(ESCALATION_LEVELS))
    reason = Text(length=_SHORT)
    skip_reason = Text(required=False, length=_SHORT)


# -- responses --------------------------------------------------------------------------------


class TenureOut(Schema):
    role = fields.String()
    staff_id = fields.String()
    from_ = fields.AwareDateTime(data_key="from", attribute="from")
    until = fields.AwareDateTime(allow_none=True)


class TimelineEntryOut(Schema):
    kind = fields.String()
    text = fields.String(allow_none=True, metadata={"description": "Masked by role if personal."})
    subject_id = fields.UUID(allow_none=True)
    phase = fields.String()
    by = fields.String()
    at = fields.AwareDateTime()


class ActionItemOut(Schema):
    item_id = fields.String()
    description = fields.String()
    owner = fields.String()
    due = fields.AwareDateTime()
    verify_due = fields.AwareDateTime()
    status = fields.String()
    added_at = fields.AwareDateTime()
    done_at = fields.AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    verified_by = fields.String(allow_none=True)
    waived_reason = fields.String(allow_none=True)
    overdue = fields.Boolean()


class IncidentOut(Schema):
    id = fields.UUID()
    reference = fields.String()
    version = fields.Integer()
    status = fields.String(validate=validate.OneOf(STATUSES))
    title = fields.String()
    description = fields.String()
    level = fields.String(allow_none=True)
    impact = fields.String(allow_none=True)
    affected_customers = fields.List(fields.Nested(CustomerOut))
    departments = fields.List(fields.String())
    reported_at = fields.AwareDateTime()
    reported_by = fields.Nested(ActorOut)
    assess_due = fields.AwareDateTime()
    activate_due = fields.AwareDateTime()
    assessed_at = fields.AwareDateTime(allow_none=True)
    plan = fields.String(allow_none=True)
    activated_at = fields.AwareDateTime(allow_none=True)
    roles = fields.Dict(keys=fields.String(), values=fields.String())
    role_history = fields.List(fields.Nested(TenureOut))
    timeline = fields.List(fields.Nested(TimelineEntryOut))
    milestones = fields.Dict(keys=fields.String(), values=fields.AwareDateTime())
    mitigated_at = fields.AwareDateTime(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    review_plan_due = fields.AwareDateTime(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    contributing_factors = fields.List(fields.String())
    went_well = fields.List(fields.String())
    went_badly = fields.List(fields.String())
    action_items = fields.List(fields.Nested(ActionItemOut))
    linked_complaints = fields.List(fields.UUID())
    open_escalations = fields.List(fields.UUID())
    closed_at = fields.AwareDateTime(allow_none=True)
