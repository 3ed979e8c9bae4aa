"""Schemas of notifications: the staff directory, webhook subscriptions, delivery records."""

from marshmallow import Schema, fields, validate

from api.http.schemas.common import _CODE, Strict, Text
from ledger.policy.notification_policy import TRIGGERS
from ledger.values import ROLES

_STAFF_ID = (
    validate.Length(min=1, max=64),
    validate.Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", error="1-64 letters, digits, '.', '_', '@', '-'."
    ),
)


class StaffIn(Strict):
    display_name = Text(length=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    department = fields.String(load_default=None, allow_none=True, validate=_CODE)
    level = fields.String(required=True, validate=validate.OneOf(ROLES))
    reports_to = fields.String(load_default=None, allow_none=True, validate=_STAFF_ID)


class StaffOut(Schema):
    staff_id = fields.String(required=True)
    display_name = fields.String(required=True)
    email = fields.String(required=True)
    department = fields.String(allow_none=True)
    level = fields.String(required=True)
    reports_to = fields.String(allow_none=True)


class StaffListOut(Schema):
    staff = fields.List(fields.Nested(StaffOut), required=True)


# The document states these as patterns and the server checks the same patterns, so a client
# knows from the document alone which URLs and secrets are taken.
_WEBHOOK_URL = (
    r"^https?://[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?)*(:[0-9]{1,5})?(/[!-~]*)?$"
)
_B64 = "[A-Za-z0-9+/]"
# whsec_ and 24 to 64 bytes in base64 (`ledger.notifications.subscriptions.check_secret`).
_WEBHOOK_SECRET = (
    rf"^whsec_(({_B64}{{4}}){{8,20}}({_B64}{{2}}==|{_B64}{{3}}=)?"
    rf"|({_B64}{{4}}){{21}}({_B64}{{2}}==)?)$"
)


class WebhookIn(Strict):
    url = fields.String(
        required=True,
        validate=(
            validate.Length(min=8, max=2000),
            validate.Regexp(_WEBHOOK_URL, error="An http or https URL with a host name."),
        ),
        metadata={"description": "Where deliveries are POSTed: an http or https URL."},
    )
    secret = fields.String(
        required=True,
        validate=(
            validate.Length(min=38, max=94),
            validate.Regexp(_WEBHOOK_SECRET, error="whsec_ and 24 to 64 bytes in base64."),
        ),
        metadata={"description": "whsec_ and 24-64 random bytes in base64; never returned."},
    )
    kinds = fields.List(
        fields.String(validate=validate.OneOf(TRIGGERS)),
        load_default=list,
        validate=validate.Length(max=len(TRIGGERS)),
        metadata={"description": "Notification kinds to receive; none: all."},
    )
    departments = fields.List(
        fields.String(validate=_CODE),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Departments to hear about; none: all."},
    )


class WebhookOut(Schema):
    id = fields.UUID(required=True)
    url = fields.String(required=True)
    kinds = fields.List(fields.String(), required=True)
    departments = fields.List(fields.String(), required=True)
    created_at = fields.AwareDateTime(required=True)
    created_by = fields.String(required=True)


class WebhookListOut(Schema):
    webhooks = fields.List(fields.Nested(WebhookOut), required=True)


class NotificationQuery(Strict):
    record = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "A complaint's or incident's id or reference."},
    )


class AttemptOut(Schema):
    notification_id = fields.UUID(required=True)
    recipient = fields.String(required=True)
    outcome = fields.String(
        required=True, metadata={"description": "delivered, failed, dead_letter, replayed"}
    )
    attempt = fields.Integer(allow_none=True)
    status = fields.Integer(allow_none=True)
    answer = fields.String(allow_none=True)
    retry_at = fields.AwareDateTime(allow_none=True)
    at = fields.AwareDateTime(required=True)
    version = fields.Integer(
        required=True, metadata={"description": "The event's version in the notice's stream"}
    )


class NoticeOut(Schema):
    notice_id = fields.UUID(required=True)
    kind = fields.String(required=True)
    source = fields.String(required=True)
    record_kind = fields.String(required=True)
    record_id = fields.UUID(required=True)
    reference = fields.String(required=True)
    due = fields.AwareDateTime(allow_none=True)
    facts = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    raised_at = fields.AwareDateTime(required=True)
    recipients = fields.List(fields.String(), required=True)
    nobody = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "The trigger's audiences that named nobody in the staff directory "
            "when the notice was raised: nobody of them was told"
        },
    )
    attempts = fields.List(fields.Nested(AttemptOut), required=True)


class NotificationListOut(Schema):
    record_id = fields.UUID(required=True)
    notices = fields.List(fields.Nested(NoticeOut), required=True)


class ReplayOut(Schema):
    notification_id = fields.UUID(required=True)
    notice_id = fields.UUID(required=True)
    state = fields.String(required=True)
