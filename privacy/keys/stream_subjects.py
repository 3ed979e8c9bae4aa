"""Which data subjects have personal values in which event stream, as this process has seen.

A read that will reveal personal fields needs the data keys of the subjects in the stream it
reads. Knowing them in advance lets the key rows come back in the same statement as the events
(`SubjectKeyStore.key_rows_for`), instead of a second query per subject after decoding. The map
holds ids only, no personal data, and is only a prediction: a subject it does not know yet is
looked up on its own when revealed, and learnt as its events are mapped. Streams are
append-only, so a stream's subjects only ever grow.
"""

import threading
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent

from privacy.fields import Personal

STREAMS_REMEMBERED = 50_000


class StreamSubjects:
    """A bounded map of stream id -> the subject ids (as stored, text) of its personal values."""

    def __init__(self, maxsize: int = STREAMS_REMEMBERED) -> None:
        self.maxsize = maxsize
        self._subjects: dict[UUID | str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def predict(self, stream_id: UUID | str) -> Sequence[str]:
        return self._subjects.get(stream_id, ())

    def note(self, stream_id: UUID | str, subject_id: UUID | str) -> None:
        """Remember that `stream_id` holds a personal value of `subject_id`."""
        subject = str(UUID(str(subject_id)))  # as the key table spells it, whatever was stored
        if subject in self._subjects.get(stream_id, ()):
            return
        with self._lock:
            known = self._subjects.get(stream_id, ())
            if subject in known:
                return
            self._subjects[stream_id] = (*known, subject)
            if len(self._subjects) > self.maxsize:  # forget the stream learnt first
                del self._subjects[next(iter(self._subjects))]


def personal_values(value: Any, depth: int = 3) -> Iterator[Personal]:
    """The `Personal` values in an event's attributes, and inside them (a list of customers)."""
    if isinstance(value, Personal):
        yield value
    elif depth and isinstance(value, list | tuple):
        for item in value:
            yield from personal_values(item, depth - 1)
    elif depth and hasattr(value, "__dict__") and not isinstance(value, type):
        for item in vars(value).values():
            yield from personal_values(item, depth - 1)


class StreamNotingMapper(Mapper[UUID]):
    """The library's mapper, noting which people each mapped event's stream holds."""

    streams: StreamSubjects | None = None

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        self._note(domain_event)
        return super().to_stored_event(domain_event)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event = super().to_domain_event(stored_event)
        self._note(event)
        return event

    def _note(self, event: Any) -> None:
        if self.streams is None:
            return
        for value in personal_values(event):
            self.streams.note(event.originator_id, value.subject_id)
