"""Which data subjects have personal values in which event stream, as this process has seen.

A read that will reveal personal fields needs the data keys of the subjects in the stream it
reads. Knowing them in advance lets the key rows come back in the same statement as the events
(`SubjectKeyStore.key_rows_for`), instead of a second query per subject after decoding. The map
holds ids only, no personal data, and is only a prediction: a subject it does not know yet is
looked up on its own when revealed, and learnt as its events are mapped. Streams are
append-only, so a stream's subjects only ever grow.
"""

import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent

from privacy.keys.key_rows import sealed_subjects

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


class StreamNotingMapper(Mapper[UUID]):
    """The library's mapper, noting which people each mapped event's stream holds.

    Read from the stored bytes (`sealed_subjects`, the pattern the write check uses), not by
    walking every decoded event's attributes, which cost twice the decoding itself.
    """

    streams: StreamSubjects | None = None

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        self._note(stored)
        return stored

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        self._note(stored_event)
        return super().to_domain_event(stored_event)

    def _note(self, stored: StoredEvent) -> None:
        if self.streams is None:
            return
        for subject_id in sealed_subjects((stored.state,)):
            self.streams.note(stored.originator_id, subject_id)
