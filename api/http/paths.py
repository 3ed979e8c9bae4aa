"""Parsing of record ids in URLs: a UUID, or for complaints and incidents also their reference."""

from uuid import UUID

from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

from ledger.cases.references import COMPLAINT_REFERENCES, INCIDENT_REFERENCES, References
from ledger.errors import NotFoundError

# A UUID is 36 characters and a reference (CMP-2026-000123) fewer; longer names nothing.
MAX_ID_LENGTH = 64
# Sequence numbers in paths: far beyond any real ledger, within a bigint and a JSON number.
MAX_POSITION = 2**53 - 1


def complaint_id(id_or_reference: str) -> UUID:
    """`CMP-2026-000123` or a UUID; anything else names no complaint."""
    return _case_id(COMPLAINT_REFERENCES, id_or_reference, kind="complaint")


def incident_id(id_or_reference: str) -> UUID:
    """`INC-2026-000001` or a UUID; anything else names no incident."""
    return _case_id(INCIDENT_REFERENCES, id_or_reference, kind="incident")


def _case_id(references: References, id_or_reference: str, *, kind: str) -> UUID:
    found = references.id_of(id_or_reference)
    if found is None:
        raise NotFoundError(f"no {kind} with that id")
    return found


def record_id(text: str, *, kind: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise NotFoundError(f"no {kind} with that id") from None


class BoundedString(UnicodeConverter):
    """`<string:...>` in our routes: an id or a code, never longer than MAX_ID_LENGTH, and
    without control characters (a NUL, which PostgreSQL text cannot hold, names no record)."""

    def __init__(self, map: Map, minlength: int = 1, maxlength: int = MAX_ID_LENGTH) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]")


class BoundedInteger(IntegerConverter):
    """`<int:...>` in our routes: a sequence number no larger than a store can hold."""

    def __init__(self, map: Map, min: int = 0, max: int = MAX_POSITION) -> None:
        super().__init__(map, min=min, max=max)


class TileIndex(UnicodeConverter):
    """`<tile:...>`: a tlog-tiles index, x001/x234/067 and maybe .p/W, slashes and all
    (ledger/integrity/tiles.py reads it; this only bounds what reaches it)."""

    part_isolating = False

    def __init__(self, map: Map) -> None:
        super().__init__(map, minlength=1, maxlength=MAX_ID_LENGTH)
        self.regex = f"[0-9xp./]{{1,{MAX_ID_LENGTH}}}"


def install(url_map: Map) -> None:
    """Bound every id in a path, and answer `a//b` (e.g. `..%2F/`) 404 rather than a redirect.

    Called before any route is added; the routes' text (kept in the access log) stays as is.
    """
    url_map.converters.update({"string": BoundedString, "int": BoundedInteger, "tile": TileIndex})
    url_map.merge_slashes = False
