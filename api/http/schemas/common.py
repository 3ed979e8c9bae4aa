"""What every resource's schemas share: bounded fields, `Strict`, and the shared shapes.

Schemas are the single source of the API's validation and its OpenAPI. Requests reject unknown
fields and bound every string, so nothing unexpected reaches the ledger. Each resource has its
module beside this one (`complaints`, `escalations`, `handoffs`, `incidents`, `subjects`,
`audit`, ...); the case responses the presenters render are in `case_bodies`, and the shapes
several resources share (customer, actor, history, problem) are here.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

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


class _UtcDateTime(fields.AwareDateTime):
    """An aware time, taken in UTC: RFC 3339 allows offsets up to 23:59, PostgreSQL's
    timestamptz only up to 15:59, and the ledger keeps UTC anyway."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        _in_ledger_time(moment)  # the year as written, which the document's pattern bounds
        return moment.astimezone(UTC)


def Moment(*, metadata: dict[str, Any] | None = None, **kw: Any) -> fields.AwareDateTime:  # noqa: N802
    """A timezone-aware time within the years a ledger can mean (a filter or a due time)."""
    documented = {"pattern": _LEDGER_YEARS, **(metadata or {})}
    return _UtcDateTime(metadata=documented, **kw)


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


class ReasonIn(Strict):
    reason = Text(length=_SHORT)


class EmptyIn(Strict):
    """Commands that need no arguments still refuse unknown fields."""


# -- responses --------------------------------------------------------------------------------


class ActorOut(Schema):
    staff_id = fields.String()
    role = fields.String()
    department = fields.String(allow_none=True)


class CustomerOut(Schema):
    subject_id = fields.UUID()
    name = fields.String(allow_none=True)  # null for a role that sees no personal data
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    region = fields.String(allow_none=True)


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
