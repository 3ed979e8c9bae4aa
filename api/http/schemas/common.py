"""Request and response schemas: the single source of the API's validation and its OpenAPI.

Requests reject unknown fields and bound every string, so nothing unexpected reaches the ledger.
"""

from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from ledger.cases.complaint import STATUSES
from ledger.values import CHANNELS, ESCALATION_LEVELS, PRIORITIES

_NAME = validate.Length(min=1, max=200)
_TEXT = validate.Length(min=1, max=10_000)
_SHORT = validate.Length(min=1, max=2_000)
_CODE = (
    validate.Length(min=1, max=40),
    validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="Use lower-case letters, digits, '_'."),
)


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")


def Text(*, required: bool = True, length: validate.Length = _TEXT, **kw: Any) -> fields.String:  # noqa: N802
    """A bounded string field that refuses NUL bytes."""
    return fields.String(
        required=required,
        validate=[length, _no_nul],
        allow_none=not required,
        **kw,
    )


def _in_ledger_time(moment: Any) -> None:
    if not 1970 < moment.year < 2200:
        raise ValidationError("Out of range: a time between 1971 and 2199.")


# The same bound in the OpenAPI document, which has no minimum or maximum for a date-time.
_LEDGER_YEARS = r"^(197[1-9]|19[89][0-9]|2[01][0-9]{2})-"


def Moment(*, metadata: dict[str, Any] | None = None, **kw: Any) -> fields.AwareDateTime:  # noqa: N802
    """A timezone-aware time within the years a ledger can mean (a filter or a due time)."""
    documented = {"pattern": _LEDGER_YEARS, **(metadata or {})}
    return fields.AwareDateTime(validate=_in_ledger_time, metadata=documented, **kw)


_NUL = "Must not contain NUL characters."


def _nul_fields(data: Any) -> dict[str, Any]:
    """Each field of `data` (nested by path) holding a string with a NUL character."""
    found: dict[str, Any] = {}
    for key, value in data.items() if isinstance(data, Mapping) else ():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            found[str(key)] = [_NUL]
        elif isinstance(value, Mapping) and (inner := _nul_fields(value)):
            found[str(key)] = inner
    return found


class Strict(Schema):
    """Unknown fields refused, and a NUL in any string (PostgreSQL text cannot hold one)."""

    class Meta:
        unknown = RAISE

    @pre_load
    def refuse_nul_characters(self, data: Any, **_: Any) -> Any:
        if found := _nul_fields(data):
            raise ValidationError(found)
        return data


# -- requests ---------------------------------------------------------------------------------


class CustomerIn(Strict):
    name = Text(length=_NAME, metadata={"description": "Personal data."})
    phone = Text(
        required=False,
        length=validate.Length(min=3, max=40),
        metadata={"description": "Personal data."},
    )
    email = fields.Email(required=False, allow_none=True, validate=validate.Length(max=254))
    address = Text(required=False, length=_SHORT, metadata={"description": "Personal data."})
    subject_id = fields.UUID(
        required=False,
        allow_none=True,
        metadata={"description": "The data subject's id, to group one person's complaints."},
    )
    region = Text(
        required=False,
        length=validate.Length(min=1, max=60),
        metadata={
            "description": "Coarse, non-identifying location (a city): stored in the clear for "
            "statistics and kept after erasure. Never a street address."
        },
    )


class RegisterComplaintIn(Strict):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    customer = fields.Nested(CustomerIn, required=True)
    summary = Text(length=validate.Length(min=1, max=300))
    description = Text()
    department = fields.String(required=False, validate=_CODE)


class ClassifyIn(Strict):
    category = fields.String(required=True, validate=_CODE)
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    customer_tier = fields.String(load_default="standard", validate=_CODE)


class AssignIn(Strict):
    owner = fields.String(
        required=False,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Staff id; the caller when omitted (first-contact ownership)."},
    )
    reason = Text(required=False, length=_SHORT)


class RespondIn(Strict):
    message = Text()


class NoteIn(Strict):
    note = Text()


class ResolveIn(Strict):
    resolution = Text()


class FeedbackIn(Strict):
    satisfaction = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    comment = Text(required=False)


class ReasonIn(Strict):
    reason = Text(length=_SHORT)


class CloseIn(Strict):
    waiver_reason = Text(
        required=False,
        length=_SHORT,
        metadata={"description": "Why the complaint closes without the customer's feedback."},
    )


class RaiseEscalationIn(Strict):
    complaint_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    level = fields.String(required=True, validate=validate.OneOf(ESCALATION_LEVELS))
    reason = Text(length=_SHORT)
    skip_reason = Text(required=False, length=_SHORT)


class OutcomeIn(Strict):
    outcome = Text()


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


class EmptyIn(Strict):
    """Commands that need no arguments still refuse unknown fields."""


class QueueQuery(Strict):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


# -- responses --------------------------------------------------------------------------------


class ActorOut(Schema):
    staff_id = fields.String()
    role = fields.String()
    department = fields.String(allow_none=True)


class CustomerOut(Schema):
    subject_id = fields.UUID()
    name = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    region = fields.String(allow_none=True)


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
    summary = fields.String()
    description = fields.String()
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


class DepartmentQueueOut(Schema):
    department = fields.String()
    position = fields.Integer(
        metadata={"description": "Notification id of the ledger the queue reflects."}
    )
    handoffs = fields.List(fields.Nested(QueuedHandoffOut))


class HistoryEntryOut(Schema):
    version = fields.Integer()
    event = fields.String()
    at = fields.AwareDateTime()
    actor = fields.Nested(ActorOut, allow_none=True)
    data = fields.Dict(keys=fields.String())


class HistoryOut(Schema):
    id = fields.UUID()
    events = fields.List(fields.Nested(HistoryEntryOut))


class FieldErrorOut(Schema):
    field = fields.String()
    message = fields.String()


class ProblemOut(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    field = fields.String(metadata={"description": "The request field at fault, if one is."})
    errors = fields.List(fields.Nested(FieldErrorOut))


class HealthOut(Schema):
    status = fields.String()
    store = fields.String()


class ErasureIn(Strict):
    legal_basis = Text(
        length=_SHORT,
        metadata={"description": "Why the data may be erased (e.g. GDPR Art. 17 request #123)."},
    )


class ErasureOut(Schema):
    """A data subject's legal hold and erasure, as the ledger records them."""

    subject_id = fields.UUID()
    legal_hold = fields.String(allow_none=True, metadata={"description": "The hold's reason."})
    legal_basis = fields.String(allow_none=True)
    erased_at = fields.AwareDateTime(allow_none=True)
    erased_by = fields.String(allow_none=True)


class AccessLogQuery(Strict):
    subject_id = fields.UUID(required=False)
    staff_id = fields.String(required=False, validate=validate.Length(min=1, max=64))
    from_ = fields.AwareDateTime(required=False, data_key="from")
    to = fields.AwareDateTime(required=False)
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class AccessOut(Schema):
    at = fields.AwareDateTime()
    staff_id = fields.String()
    role = fields.String()
    subject_id = fields.UUID()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    purpose = fields.String()


class AccessLogOut(Schema):
    entries = fields.List(fields.Nested(AccessOut))
