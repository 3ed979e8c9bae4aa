"""Schemas of legal holds on cases, the archive and the retention report."""

from marshmallow import Schema, fields, validate

from api.http.schemas.common import Strict


class CaseHoldOut(Schema):
    """A case's legal hold as the ledger records it."""

    case_id = fields.UUID()
    kind = fields.String(metadata={"description": "complaint or incident"})
    reference = fields.String()
    legal_hold = fields.String(allow_none=True, metadata={"description": "The hold's reason."})


class ArchiveQuery(Strict):
    from_ = fields.AwareDateTime(
        required=False, data_key="from", metadata={"description": "Closed at or after."}
    )
    to = fields.AwareDateTime(required=False, metadata={"description": "Closed before."})
    kind = fields.String(required=False, validate=validate.OneOf(["complaint", "incident"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class ArchiveOut(Schema):
    """One archived case: its non-personal facts, event hashes and inclusion proof."""

    case_id = fields.String()
    kind = fields.String()
    closed_at = fields.String()
    archived_at = fields.String()
    run_id = fields.String()
    sha256 = fields.String(metadata={"description": "SHA-256 of the record's canonical JSON."})
    record = fields.Dict()


class ArchiveListOut(Schema):
    archives = fields.List(fields.Nested(ArchiveOut))


class SkippedOut(Schema):
    case_id = fields.String()
    reason = fields.String()


class PeriodOut(Schema):
    period = fields.String(metadata={"description": "YYYY-MM"})
    archived = fields.Integer()
    destroyed = fields.Integer()


class RetentionReportOut(Schema):
    """What is due now, what is held and why, and what was archived and destroyed by month."""

    at = fields.String()
    rules = fields.Dict(keys=fields.String(), values=fields.String())
    due = fields.List(fields.String(), metadata={"description": "Case ids a run would archive."})
    held = fields.List(fields.Nested(SkippedOut))
    archived = fields.Integer()
    destroyed = fields.Integer()
    periods = fields.List(fields.Nested(PeriodOut))
