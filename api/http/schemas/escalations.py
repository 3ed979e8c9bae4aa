"""Request schemas of the escalation endpoints (their response: `case_bodies.EscalationOut`)."""

from marshmallow import fields, validate

from api.http.schemas.common import _SHORT, Strict, Text
from ledger.values import ESCALATION_LEVELS


class RaiseEscalationIn(Strict):
    complaint_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    level = fields.String(required=True, validate=validate.OneOf(ESCALATION_LEVELS))
    reason = Text(length=_SHORT)
    skip_reason = Text(required=False, length=_SHORT)


class OutcomeIn(Strict):
    outcome = Text()
