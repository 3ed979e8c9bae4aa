"""Schemas of the post-incident review document and of the measures across incidents."""

from marshmallow import Schema, fields, validate

from api.http.schemas.common import Strict


class MetricsQuery(Strict):
    period = fields.String(
        load_default="month",
        validate=validate.OneOf(("day", "week", "month", "year")),
        metadata={"description": "How counts by period are grouped."},
    )


class PhaseOut(Schema):
    name = fields.String()
    label = fields.String()
    from_ = fields.String(data_key="from", attribute="from", allow_none=True)
    to = fields.String(allow_none=True)
    seconds = fields.Float(allow_none=True)
    deadline = fields.String(allow_none=True)
    verdict = fields.String(
        allow_none=True, metadata={"description": "met, missed, pending, or null without deadline"}
    )


class ReviewOut(Schema):
    """The post-incident review, built from the ledger (projections/incidents/review.py)."""

    id = fields.Raw()
    reference = fields.Raw()
    title = fields.Raw()
    description = fields.Raw()
    status = fields.Raw()
    level = fields.Raw()
    impact = fields.Raw()
    reported_at = fields.Raw()
    reported_by = fields.Raw()
    generated_at = fields.Raw()
    milestones = fields.Raw()
    deadlines = fields.Raw()
    phases = fields.List(fields.Nested(PhaseOut))
    level_changes = fields.Raw()
    timeline = fields.Raw()
    roles = fields.Raw()
    people = fields.Raw()
    affected_customers = fields.Raw()
    counts = fields.Raw()
    linked_complaints = fields.Raw()
    departments = fields.Raw()
    contributing_factors = fields.Raw()
    went_well = fields.Raw()
    went_badly = fields.Raw()
    action_items = fields.Raw()
    staff_names = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "The display name of each staff id the review names, from the staff "
            "directory; an id the directory lacks is absent (shown alone)."
        },
    )


class MetricsOut(Schema):
    incidents = fields.Integer()
    by_level = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_period = fields.Dict(keys=fields.String(), values=fields.Dict())
    times = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        metadata={"description": "mean and p90 seconds to assess, activate and resolve"},
    )
    deadline_compliance = fields.Dict()
    action_items_by_owner = fields.Dict(keys=fields.String(), values=fields.Dict())
