"""Pages of every list: an opaque cursor, a `next` link, one maximum page size.

A list answers `limit` items (at most `MAX_PAGE_SIZE`) and, when more follow, a cursor for the
next page: in the body (`next_cursor`, and `next`, the URL of that page) and as a
`Link: <…>; rel="next"` header (RFC 8288). The cursor is the sort key of the page's last row
(keyset, projections/engine/keyset.py), sealed with an HMAC under a key derived from the
ledger's signing key: it is opaque to callers, and one altered, made up, or taken from another
list or another set of filters is refused as 400 naming `cursor`. It only ever says where a page
starts: the caller's scope and filters are applied to every page afresh.
"""

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, request
from marshmallow import fields, validate
from werkzeug.exceptions import BadRequest

from api.config import Settings
from api.http.problems import PAGING
from api.http.quick_dump import QuickDump
from api.http.schemas.common import Strict
from ledger.integrity.signing_key import load_signing_key
from projections.engine.keyset import MAX_PAGE_SIZE, Key

_MAC_BYTES = 16
_INFO = b"ledger page cursors v1"


class PageQuery(Strict):
    """The paging parameters every list takes; each list's query schema adds its filters."""

    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE}."},
    )
    cursor = fields.String(
        required=False,
        validate=validate.Length(min=1, max=1000),
        metadata={
            "description": "`next_cursor` of the previous page (or follow `next`), with the "
            "same filters; opaque."
        },
    )


def sort_field(*orders: str, described: str) -> fields.String:
    """A list's `sort` parameter; the first order named is the default."""
    return fields.String(
        load_default=orders[0],
        validate=validate.OneOf(orders),
        metadata={"description": described},
    )


class PageOut(QuickDump):
    """What every page says of the next one; each list's page schema adds its items."""

    next_cursor = fields.String(
        allow_none=True, metadata={"description": "The next page's cursor; null on the last."}
    )
    next = fields.String(
        allow_none=True,
        metadata={"description": "The next page's URL (also the `Link` rel=next header)."},
    )


LINK_HEADER = {
    "Link": {
        "description": 'The next page, when there is one: `<URL>; rel="next"` (RFC 8288).',
        "schema": {"type": "string"},
    }
}


class Cursors:
    """Seals and opens page cursors with one secret key."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def for_settings(cls, settings: Settings) -> "Cursors":
        """The key derived (HKDF) from the ledger's signing key: every process that serves the
        ledger has it, so a cursor handed out by one is good at any other, and after a restart."""
        key, _ = load_signing_key(
            settings.signing_key_settings, settings.data_dir, generate_if_missing=settings.embedded
        )
        seed = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(seed)
        return cls(secret)

    def _mac(self, binding: str, payload: bytes) -> bytes:
        message = binding.encode() + b"\n" + payload
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:_MAC_BYTES]

    def seal(self, binding: str, key: Key) -> str:
        payload = json.dumps([_dump(v) for v in key], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(binding, payload))}"

    def open(self, binding: str, cursor: str) -> Key:
        """The key a cursor holds; `ValueError` if this service did not seal it for `binding`."""
        try:
            body, _, mac = cursor.partition(".")
            payload = _unb64(body)
            if not hmac.compare_digest(_unb64(mac), self._mac(binding, payload)):
                raise ValueError("seal")
            values = json.loads(payload)
            if not isinstance(values, list):
                raise ValueError("shape")
            return [_load(v) for v in values]
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise ValueError("not a cursor of this list") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _dump(value: Any) -> Any:
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _load(value: Any) -> Any:
    if isinstance(value, dict):
        return datetime.fromisoformat(value["t"]).astimezone(UTC)
    if value is None or isinstance(value, str | int):
        return value
    raise ValueError("shape")


def _binding() -> str:
    """What a cursor is good for: this endpoint and path, with these filters (the paging
    parameters move through a list rather than choose it)."""
    filters = sorted((k, v) for k, v in request.args.items(multi=True) if k not in PAGING)
    return f"{request.endpoint} {request.path} {urlencode(filters)}"


def _cursors() -> Cursors:
    found: Cursors = current_app.extensions["cursors"]
    return found


def after(args: dict[str, Any]) -> Key | None:
    """The key the request's cursor holds, or None for the first page; 400 for a bad cursor."""
    cursor = args.get("cursor")
    if cursor is None:
        return None
    try:
        return _cursors().open(_binding(), cursor)
    except ValueError:
        refusal = BadRequest()
        message = "Not a cursor this list handed out for these filters."
        refusal.data = {"errors": {"query": {"cursor": [message]}}}  # type: ignore[attr-defined]
        raise refusal from None


def paged(body: dict[str, Any], key: Key | None) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The response of one page: `next_cursor` and `next` in the body, the `Link` header."""
    if key is None:
        body.update(next_cursor=None, next=None)
        return body, 200, {}
    cursor = _cursors().seal(_binding(), key)
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    link = f"{request.path}?{urlencode([*query, ('cursor', cursor)])}"
    body.update(next_cursor=cursor, next=link)
    return body, 200, {"Link": f'<{link}>; rel="next"'}
