"""Request schemas of the complaint endpoints (their response, `ComplaintOut`: `case_bodies`)."""

from marshmallow import fields, validate

from api.http.schemas.common import _CODE, _SHORT, CustomerIn, Moment, Strict, Text
from ledger.values import CHANNELS, PRIORITIES


class RegisterComplaintIn(Strict):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    customer = fields.Nested(CustomerIn, required=True)
    summary = Text(length=validate.Length(min=1, max=300))
    description = Text()
    department = fields.String(required=False, validate=_CODE)
    first_contact_at = Moment(
        required=False,
        metadata={
            "description": "When the customer first made contact, if before this registration; "
            "registration is due within the policy's registration_within of it."
        },
    )


class PromiseIn(Strict):
    due = Moment(
        required=True,
        metadata={"description": "The reply time promised to the customer (in the future)."},
    )


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


class CloseIn(Strict):
    waiver_reason = Text(
        required=False,
        length=_SHORT,
        metadata={"description": "Why the complaint closes without the customer's feedback."},
    )
