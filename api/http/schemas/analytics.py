"""Schemas of the analytics tables and the report query."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from api.http.schemas.common import Moment, Strict
from projections.analytics.complaints import DIMENSIONS
from projections.analytics.incidents import INCIDENT_DIMENSIONS
from projections.analytics.periods import PERIODS
from projections.analytics.report import KINDS

FORMATS = ("json", "csv")


class _Window(Strict):
    from_ = Moment(required=False, data_key="from")
    to = Moment(required=False)
    period = fields.String(load_default="week", validate=validate.OneOf(PERIODS))
    format = fields.String(
        load_default=None,
        validate=validate.OneOf(FORMATS),
        metadata={"description": "csv, or send `Accept: text/csv`; JSON otherwise."},
    )

    @validates_schema
    def ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must not be before `from`.", "to")


def _combinations(known: tuple[str, ...]) -> list[str]:
    """What `group_by` may be: nothing, one dimension, or two different ones."""
    return ["", *known, *(f"{a},{b}" for a in known for b in known if a != b)]


def _dimensions(known: tuple[str, ...]) -> fields.String:
    return fields.String(
        load_default="",
        validate=validate.OneOf(_combinations(known)),
        metadata={
            "description": f"Up to two of {', '.join(known)}, comma-separated "
            "(`owner,period`: a scorecard per staff member and period)."
        },
    )


def _split(text: str, known: tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationError(f"Unknown {unknown[0]!r}; expected {', '.join(known)}.", "group_by")
    if len(names) > 2 or len(set(names)) != len(names):
        raise ValidationError("Name at most two different dimensions.", "group_by")
    return names


class ComplaintAnalyticsQuery(_Window):
    group_by = _dimensions(tuple(DIMENSIONS))

    @post_load
    def dimensions(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["group_by"] = _split(data["group_by"], tuple(DIMENSIONS))
        return data


class IncidentAnalyticsQuery(_Window):
    group_by = _dimensions(INCIDENT_DIMENSIONS)

    @post_load
    def dimensions(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["group_by"] = _split(data["group_by"], INCIDENT_DIMENSIONS)
        return data


class HotSpotsQuery(_Window):
    """A window only: hot spots are by category."""


class ReportQuery(Strict):
    kind = fields.String(load_default="weekly", validate=validate.OneOf(tuple(KINDS)))


class DurationOut(Schema):
    count = fields.Integer()
    mean_seconds = fields.Float(allow_none=True)
    p50_seconds = fields.Float(allow_none=True)
    p90_seconds = fields.Float(allow_none=True)


class TargetOut(Schema):
    figure = fields.String()
    target = fields.Float(metadata={"description": "A share (0-1), or seconds for *_p90."})
    actual = fields.Float(allow_none=True)
    direction = fields.String(metadata={"description": "at_least or at_most"})
    met = fields.Boolean(allow_none=True, metadata={"description": "null: nothing to judge"})
    by = fields.Float(allow_none=True, metadata={"description": "How far past or short of it"})


class ComplaintGroupOut(Schema):
    keys = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    complaints = fields.Integer()
    response = fields.Nested(DurationOut)
    resolution = fields.Nested(DurationOut)
    first_contact_resolution = fields.Float(allow_none=True)
    resolution_success = fields.Float(allow_none=True)
    csat = fields.Float(allow_none=True)
    csat_average = fields.Float(allow_none=True)
    csat_responses = fields.Integer()
    reopen_rate = fields.Float(allow_none=True)
    bounce_rate = fields.Float(allow_none=True)
    sla_compliance = fields.Float(allow_none=True)
    breaches = fields.Integer()
    targets = fields.List(fields.Nested(TargetOut))


class _WindowOut(Schema):
    position = fields.Integer()
    from_ = fields.AwareDateTime(allow_none=True, data_key="from")
    to = fields.AwareDateTime(allow_none=True)
    group_by = fields.List(fields.String())
    period = fields.String()


class ComplaintAnalyticsOut(_WindowOut):
    groups = fields.List(fields.Nested(ComplaintGroupOut))


class CategoryHotSpotOut(Schema):
    category = fields.String(allow_none=True)
    complaints = fields.Integer()
    breaches = fields.Integer()
    reopened = fields.Integer()
    dissatisfied = fields.Integer()


class HotSpotsOut(_WindowOut):
    hot_spots = fields.List(fields.Nested(CategoryHotSpotOut))


class IncidentGroupOut(Schema):
    keys = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    incidents = fields.Integer()
    detect = fields.Nested(DurationOut)
    assess = fields.Nested(DurationOut)
    activate = fields.Nested(DurationOut)
    mitigate = fields.Nested(DurationOut)
    resolve = fields.Nested(DurationOut)


class IncidentAnalyticsOut(_WindowOut):
    groups = fields.List(fields.Nested(IncidentGroupOut))


class OwnerActionItemsOut(Schema):
    owner = fields.String()
    open = fields.Integer()
    awaiting_verification = fields.Integer()
    overdue = fields.Integer()


class ActionItemsOut(Schema):
    position = fields.Integer()
    owners = fields.List(fields.Nested(OwnerActionItemsOut))
