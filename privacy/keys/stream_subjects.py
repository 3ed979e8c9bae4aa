"""Which data subjects have personal values in which event stream, as this process has seen.

A read that will reveal personal fields needs the data keys of the subjects in the stream it
reads. Knowing them in advance lets the key rows come back in the same statement as the events
(`SubjectKeyStore.key_rows_for`), instead of a second query per subject after decoding. The map
holds ids only, no personal data, and is only a prediction: a subject it does not know yet is
looked up on its own when revealed, and learnt as its values are decoded. Streams are
append-only, so a stream's subjects only ever grow.
"""

import threading
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent

STREAMS_REMEMBERED = 50_000

# The stream whose event is being mapped in this context, if any (set by `StreamNotingMapper`).
mapping_stream: ContextVar[UUID | str | None] = ContextVar("mapping_stream", default=None)


class StreamSubjects:
    """A bounded map of stream id -> the subject ids (as stored, text) of its personal values."""

    def __init__(self, maxsize: int = STREAMS_REMEMBERED) -> None:
        self.maxsize = maxsize
        self._subjects: dict[UUID | str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def predict(self, stream_id: UUID | str) -> Sequence[str]:
        return self._subjects.get(stream_id, ())

    def note(self, subject_id: str) -> None:
        """Remember `subject_id` for the stream being mapped in this context (if any)."""
        stream_id = mapping_stream.get()
        if stream_id is None or subject_id in self._subjects.get(stream_id, ()):
            return
        subject_id = str(UUID(subject_id))  # as the key table spells it, whatever was stored
        with self._lock:
            known = self._subjects.get(stream_id, ())
            if subject_id in known:
                return
            self._subjects[stream_id] = (*known, subject_id)
            if len(self._subjects) > self.maxsize:  # forget the stream learnt first
                del self._subjects[next(iter(self._subjects))]


class StreamNotingMapper(Mapper[UUID]):
    """The library's mapper, telling the transcodings which stream each event belongs to."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        token = mapping_stream.set(domain_event.originator_id)
        try:
            return super().to_stored_event(domain_event)
        finally:
            mapping_stream.reset(token)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        token = mapping_stream.set(stored_event.originator_id)
        try:
            return super().to_domain_event(stored_event)
        finally:
            mapping_stream.reset(token)
