"""Schemas of a data subject: erasure, lookup by contact, the access export."""

from marshmallow import Schema, fields, validate

from api.http.schemas.common import _SHORT, Strict, Text
from privacy.keys.blind_index import KINDS


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


class LookupIn(Strict):
    """One contact, matched exactly (after normalising spaces, case and a country code)."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    value = Text(length=validate.Length(min=1, max=320))


class FoundSubjectOut(Schema):
    subject_id = fields.UUID()
    records = fields.List(
        fields.String(), metadata={"description": "Complaint and incident references."}
    )


class LookupOut(Schema):
    subjects = fields.List(fields.Nested(FoundSubjectOut))


class AccessExportQuery(Strict):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "html")),
        metadata={"description": "json (default) or html: a readable page to hand to the person."},
    )


class HeldValueOut(Schema):
    record_kind = fields.String()
    record_id = fields.UUID()
    reference = fields.String()
    event = fields.String()
    version = fields.Integer()
    at = fields.AwareDateTime()
    field = fields.String()
    value = fields.String()


class AccessExportOut(Schema):
    """Every personal value the ledger holds about the person, with where it came from."""

    subject_id = fields.UUID()
    exported_at = fields.AwareDateTime()
    values = fields.List(fields.Nested(HeldValueOut))
