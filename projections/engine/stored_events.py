"""Stored events as projections read them: decoded lazily, a field at a time.

Projections read a handful of fields of each event (ids, times, vocabularies), never personal
data. Decoding the whole event through the application's mapper (a Python hook for every nested
object, every personal value unsealed into an object) is most of the cost of a catch-up, so
projections read the stored JSON with orjson and convert only the fields they touch. An
event's `kind` is its class's qualified name (`Complaint.Registered`). When the mapper
compresses or encrypts whole events, the mapper decodes them instead.

Most events a status view applies are read for their time alone (a progress note moves
`last_activity_at`), and the stored JSON starts with that time: it is read from the bytes
directly, and the rest of the JSON is decoded only when another field is asked for.
"""

from datetime import datetime
from json import JSONDecoder
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import Notification

_json = JSONDecoder()
# orjson keeps an integer in [-2^63, 2^64) exact and makes a float of one past it (which may
# round to -2^63 itself).
_EXACT_LOW, _EXACT_HIGH = -(2.0**63), 2.0**64
# The mapper writes an event's attributes in order, `timestamp` first.
_TIMESTAMP = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'


def _convert(value: Any) -> Any:
    cls = value.__class__
    if cls is str or cls is int or value is None:  # most fields: a vocabulary word, a count
        return value
    if cls is dict and len(value) == 2 and "_type_" in value and "_data_" in value:
        kind, data = value["_type_"], value["_data_"]
        if kind == "datetime_iso":
            return datetime.fromisoformat(data)
        if kind == "uuid_hex":
            return UUID(data)
        if kind in ("customer", "actor"):
            return SimpleNamespace(**{k: _convert(v) for k, v in data.items()})
        return value  # personal values stay sealed and unread
    if cls is list:  # an incident's affected customers, a list of departments
        return [_convert(item) for item in value]
    return value


class ProjectedEvent:
    """One stored event: `kind`, `originator_id`, `originator_version` and its fields."""

    __slots__ = (
        "_fields",
        "_state",
        "_stream",
        "kind",
        "originator_id",
        "originator_version",
        "timestamp",
    )

    def __init__(
        self,
        kind: str,
        originator_id: UUID,
        originator_version: int,
        fields: dict[str, Any] | None,
        state: bytes = b"",
    ) -> None:
        self.kind = kind
        self.originator_id = originator_id
        self.originator_version = originator_version
        self._fields = fields  # None: decode `state` when a field is first asked for
        self._stream: str | None = None
        self._state = state
        if fields is None and state.startswith(_TIMESTAMP):
            start = len(_TIMESTAMP)
            self.timestamp = datetime.fromisoformat(
                state[start : state.index(b'"', start)].decode("ascii")
            )

    @property
    def stream(self) -> str:
        """`str(originator_id)`, worked out once: a partition's key and a row's id both use it."""
        text = self._stream
        if text is None:
            text = self._stream = str(self.originator_id)
        return text

    def __getattr__(self, name: str) -> Any:
        # Called only for what is not a slot already set (every field but an early timestamp).
        return self.field(name)

    def field(self, name: str) -> Any:
        """A field of the event, also one a slot's name hides (a timeline entry's `kind`)."""
        fields = self._fields
        if fields is None:
            fields = self._fields = _decode(self._state)
        try:
            value = fields[name]
        except KeyError:
            raise AttributeError(name) from None
        cls = value.__class__
        if cls is str or cls is int or value is None:  # most fields: a vocabulary word, a count
            return value
        if self._state and _maybe_inexact(value):
            # orjson read an integer past 64 bits as a float: the standard decoder, which wrote
            # the JSON, reads it exactly (a float that is truly one costs only the decode).
            fields = self._fields = _json.decode(self._state.decode("utf-8"))
            self._state = b""  # exact now: a float that is truly one is not decoded again
            value = fields[name]
        return _convert(value)


def _decode(state: bytes) -> Any:
    """The stored JSON as Python values: orjson's, from the bytes, at a third of the standard
    decoder's CPU (most of a rebuild's). What orjson refuses (NaN or Infinity, nesting past its
    depth) the standard decoder, which wrote it, reads; an integer past 64 bits, which orjson
    makes a float, is caught when its field is asked for (`ProjectedEvent.field`): looking for
    one in every event cost twice orjson's own decode."""
    try:
        return orjson.loads(state)
    except orjson.JSONDecodeError:
        return _json.decode(state.decode("utf-8"))


def _maybe_inexact(value: Any) -> bool:
    """Whether `value` is, or holds, a whole float outside the integers orjson keeps exact."""
    cls = value.__class__
    if cls is float:
        return value.is_integer() and not _EXACT_LOW < value < _EXACT_HIGH
    if cls is list:
        return any(map(_maybe_inexact, value))
    if cls is dict:
        return any(map(_maybe_inexact, value.values()))
    return False


def read_events(
    app: Application[Any], notifications: list[Notification], topics: frozenset[str]
) -> list[tuple[int, ProjectedEvent]]:
    """The notifications with one of `topics`, as projected events with their positions."""
    mapper: Any = app.mapper
    plain = mapper.compressor is None and mapper.cipher is None
    found = []
    for n in notifications:
        if n.topic not in topics:
            continue
        kind = n.topic.partition(":")[2]
        originator_id = (
            n.originator_id if isinstance(n.originator_id, UUID) else UUID(str(n.originator_id))
        )
        if plain:
            event = ProjectedEvent(kind, originator_id, n.originator_version, None, n.state)
        else:
            fields = dict(mapper.to_domain_event(n).__dict__)
            event = ProjectedEvent(kind, originator_id, n.originator_version, fields)
        found.append((n.id, event))
    return found
