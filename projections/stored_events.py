"""Stored events as projections read them: decoded lazily, a field at a time.

Projections read a handful of fields of each event (ids, times, vocabularies), never personal
data. Decoding the whole event through the application's mapper (a Python hook for every nested
object, every personal value unsealed into an object) is most of the cost of a catch-up, so
projections read the stored JSON with the C decoder and convert only the fields they touch. An
event's `kind` is its class's qualified name (`Complaint.Registered`). When the mapper
compresses or encrypts whole events, the mapper decodes them instead.
"""

from datetime import datetime
from json import JSONDecoder
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

_json = JSONDecoder()


def _convert(value: Any) -> Any:
    if isinstance(value, dict) and "_type_" in value and "_data_" in value and len(value) == 2:
        kind, data = value["_type_"], value["_data_"]
        if kind == "datetime_iso":
            return datetime.fromisoformat(data)
        if kind == "uuid_hex":
            return UUID(data)
        if kind in ("customer", "actor"):
            return SimpleNamespace(**{k: _convert(v) for k, v in data.items()})
        return value  # personal values stay sealed and unread
    if isinstance(value, list):  # an incident's affected customers, a list of departments
        return [_convert(item) for item in value]
    return value


class ProjectedEvent:
    """One stored event: `kind`, `originator_id`, `originator_version` and its fields."""

    __slots__ = ("_fields", "kind", "originator_id", "originator_version")

    def __init__(
        self, kind: str, originator_id: UUID, originator_version: int, fields: dict[str, Any]
    ) -> None:
        self.kind = kind
        self.originator_id = originator_id
        self.originator_version = originator_version
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        try:
            return _convert(self._fields[name])
        except KeyError:
            raise AttributeError(name) from None


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
            fields = _json.decode(n.state.decode("utf-8"))
        else:
            fields = dict(mapper.to_domain_event(n).__dict__)
        found.append((n.id, ProjectedEvent(kind, originator_id, n.originator_version, fields)))
    return found
