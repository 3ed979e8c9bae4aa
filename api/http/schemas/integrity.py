"""Request and response schemas of the tamper-evidence endpoints."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.http.paths import MAX_POSITION
from api.http.schemas.common import Strict


class CheckpointOut(Schema):
    format = fields.String(
        metadata={
            "description": "complaint-ledger/checkpoint/2 (a C2SP checkpoint; /1: the first "
            "format, kept for old checkpoints)"
        }
    )
    number = fields.Integer()
    tree_size = fields.Integer()
    root_hash = fields.String(metadata={"description": "hex SHA-256 RFC 6962 tree root"})
    signed_at = fields.String()
    key_id = fields.String()
    signature = fields.String(metadata={"description": "base64 Ed25519 signature"})
    heads = fields.Dict(keys=fields.String(), values=fields.String())
    origin = fields.String(metadata={"description": "the C2SP log origin (format /2)"})
    note = fields.String(
        metadata={
            "description": "the C2SP signed note: the checkpoint body, the log's signature and "
            "any witnesses' cosignatures (format /2)"
        }
    )


class CosignatureIn(Strict):
    cosignature = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={
            "description": "a witness's signature line: '— <witness name> base64(key hash || "
            "time || signature)' (c2sp.org/tlog-cosignature, Ed25519)"
        },
    )


class CheckpointListOut(Schema):
    checkpoints = fields.List(fields.Nested(CheckpointOut))


class PublicKeyOut(Schema):
    algorithm = fields.String()
    key_id = fields.String()
    public_key = fields.String(metadata={"description": "base64 of the raw 32-byte key"})
    pem = fields.String()
    origin = fields.String(metadata={"description": "the log origin, the key's name"})
    verifier_key = fields.String(
        metadata={"description": "the signed-note verifier key: name+hash+base64(0x01 || key)"}
    )


class InclusionQuery(Strict):
    """One event, named either by `stream_id` and `version` together or by `notification_id`
    alone (any other combination is 422)."""

    stream_id = fields.UUID(
        required=False, metadata={"description": "With `version`; not with `notification_id`."}
    )
    version = fields.Integer(
        required=False,
        validate=validate.Range(min=1, max=MAX_POSITION),
        metadata={"description": "With `stream_id`; not with `notification_id`."},
    )
    notification_id = fields.Integer(
        required=False,
        validate=validate.Range(min=1, max=MAX_POSITION),
        metadata={"description": "Alone, instead of `stream_id` and `version`."},
    )
    checkpoint = fields.Integer(required=False, validate=validate.Range(min=1, max=MAX_POSITION))

    @validates_schema
    def names_one_event(self, data: dict[str, Any], **_: Any) -> None:
        if "notification_id" in data:
            if "stream_id" in data or "version" in data:
                raise ValidationError(
                    "name the event by notification_id or by stream_id and version, not both",
                    "notification_id",
                )
        elif "stream_id" not in data:
            raise ValidationError("name the event: stream_id and version", "stream_id")
        elif "version" not in data:
            raise ValidationError("name the event: stream_id and version", "version")


class StoredEventOut(Schema):
    stream_bytes = fields.String()
    topic = fields.String()
    state = fields.String(metadata={"description": "base64 of the stored (encrypted) bytes"})
    previous_chain_hash = fields.String()


class InclusionProofOut(Schema):
    type = fields.String()
    stream_id = fields.UUID()
    version = fields.Integer()
    notification_id = fields.Integer()
    leaf_index = fields.Integer()
    chain_hash = fields.String()
    proof = fields.List(fields.String())
    checkpoint = fields.Nested(CheckpointOut)
    event = fields.Nested(StoredEventOut)


class ConsistencyQuery(Strict):
    first = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_POSITION))
    second = fields.Integer(required=False, validate=validate.Range(min=1, max=MAX_POSITION))


class ConsistencyProofOut(Schema):
    type = fields.String()
    first = fields.Nested(CheckpointOut)
    second = fields.Nested(CheckpointOut)
    proof = fields.List(fields.String())


class VerificationQuery(Strict):
    stream = fields.UUID(required=False)
    up_to_checkpoint = fields.Integer(
        required=False, validate=validate.Range(min=1, max=MAX_POSITION)
    )


class BreakOut(Schema):
    kind = fields.String(
        metadata={
            "description": "altered, missing, inserted, reordered, truncated or bad signature"
        }
    )
    stream_id = fields.UUID(allow_none=True)
    version = fields.Integer(allow_none=True)
    position = fields.Integer(allow_none=True)
    checkpoint = fields.Integer(allow_none=True)
    detail = fields.String()


class VerificationOut(Schema):
    intact = fields.Boolean()
    events = fields.Integer()
    streams = fields.Integer()
    leaves = fields.Integer()
    checkpoints = fields.Integer()
    pending = fields.Integer()
    breaks = fields.List(fields.Nested(BreakOut))
