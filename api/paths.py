"""Parsing of record ids in URLs: a UUID, or for complaints also their reference."""

import re
from uuid import UUID

from ledger.complaint import complaint_id_for
from ledger.errors import NotFoundError

_REFERENCE = re.compile(r"^CMP-\d{4}-\d{6,12}$")


def complaint_id(id_or_reference: str) -> UUID:
    """`CMP-2026-000123` or a UUID; anything else names no complaint."""
    if _REFERENCE.match(id_or_reference):
        return complaint_id_for(id_or_reference)
    return record_id(id_or_reference, kind="complaint")


def record_id(text: str, *, kind: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise NotFoundError(f"no {kind} with that id") from None
