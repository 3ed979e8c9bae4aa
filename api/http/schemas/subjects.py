"""Schemas of a data subject's erasure."""

from marshmallow import Schema, fields

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
