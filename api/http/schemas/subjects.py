"""Schemas of a data subject: erasure, lookup by contact, the access export."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.http.schemas.common import _SHORT, Strict, Text


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
    """Exactly one contact, matched exactly (after normalising spaces, case, country code)."""

    phone = Text(required=False, length=validate.Length(min=1, max=64))
    email = Text(required=False, length=validate.Length(min=3, max=320))

    @validates_schema
    def names_one_contact(self, data: dict[str, Any], **_: Any) -> None:
        if ("phone" in data) == ("email" in data):
            raise ValidationError("give exactly one of phone or email", "phone")


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
