"""Schemas of access control: tokens and the operation log."""

from marshmallow import Schema, fields, validate

from api.http.pagination import PageOut, PageQuery
from api.http.paths import MAX_POSITION
from api.http.schemas.common import _CODE, Moment, Strict, Text
from ledger.access.policy import ROLES
from projections.engine.keyset import MAX_PAGE_SIZE

_DURATION = (
    validate.Length(min=2, max=7),
    # Above zero: a token that expires as it is issued is refused (`ledger.policy.durations`).
    validate.Regexp(r"^0*[1-9][0-9]*[smhd]$", error="A duration above zero like '12h' or '90d'."),
)


class IssueTokenIn(Strict):
    staff_id = fields.String(
        required=True,
        validate=(
            validate.Length(min=1, max=64),
            validate.Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$",
                error="1-64 letters, digits, '.', '_', '@', '-'.",
            ),
        ),
    )
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)),
        required=True,
        validate=validate.Length(min=1, max=len(ROLES)),
        metadata={"uniqueItems": True},  # a role named twice is refused
    )
    department = fields.String(
        required=False,
        allow_none=True,
        validate=_CODE,
    )
    name = Text(required=False, length=validate.Length(min=1, max=200))
    expires_in = fields.String(
        load_default="90d", validate=_DURATION, metadata={"description": "e.g. '12h', '90d'."}
    )


class TokenOut(Schema):
    """A token without its secret."""

    id = fields.String()
    staff_id = fields.String()
    name = fields.String()
    roles = fields.List(fields.String())
    department = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "pending, active, expired or revoked"})
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    approved_by = fields.String(
        allow_none=True, metadata={"description": "The second administrator, when one approved."}
    )
    expires_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)


class IssuedTokenOut(TokenOut):
    token = fields.String(metadata={"description": "The secret: shown this once, never again."})


class TokenListOut(Schema):
    tokens = fields.List(fields.Nested(TokenOut))


class OperationsQuery(PageQuery):
    staff = fields.String(required=False, validate=validate.Length(min=1, max=64))
    from_ = Moment(required=False, data_key="from")
    to = Moment(required=False)
    target = fields.String(
        required=False,
        validate=validate.Length(min=1, max=300),
        metadata={"description": "e.g. complaint:<uuid>, handoff:<uuid>, token:<id>"},
    )
    before = fields.Integer(
        required=False,
        validate=validate.Range(min=1, max=MAX_POSITION),
        metadata={"description": "Only entries older than this seq (or follow `next`)."},
    )
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Entries per page, at most {MAX_PAGE_SIZE}."},
    )


class OperationOut(Schema):
    seq = fields.Integer()
    at = fields.AwareDateTime()
    request_id = fields.String()
    staff_id = fields.String()
    role = fields.String()
    operation = fields.String()
    target = fields.String()
    result = fields.String(metadata={"description": "allowed or refused"})
    status = fields.Integer()
    token_id = fields.String(allow_none=True, metadata={"description": "The token presented."})
    hash = fields.String()


class OperationsOut(PageOut):
    entries = fields.List(fields.Nested(OperationOut))
    next_before = fields.Integer(
        allow_none=True, metadata={"description": "Pass as `before` for the next page."}
    )
