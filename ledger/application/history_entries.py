"""A stored event as an auditor reads it: what happened, who did it, when, and its facts."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.values import Actor

# What every event carries besides its own facts: shown as the entry's own fields, not as data.
_EVENT_HEADER = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}


@dataclass(frozen=True)
class HistoryEntry:
    """One stored event, as an auditor reads it: what, who, when, and its recorded facts."""

    version: int
    event: str
    at: datetime
    actor: Actor | None
    data: Mapping[str, Any]


def history_entries(events: Iterable[Any]) -> list[HistoryEntry]:
    """The entries of a stream's decoded events, in their order."""
    return [
        HistoryEntry(
            version=event.originator_version,
            event=type(event).__name__,
            at=event.timestamp,
            actor=getattr(event, "actor", None),
            data={k: v for k, v in event.__dict__.items() if k not in _EVENT_HEADER},
        )
        for event in events
    ]
