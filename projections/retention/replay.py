"""Cases and people replayed from the stored rows a retention page reads in one query each."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.cases.complaint import Complaint
from ledger.errors import NotFoundError
from ledger.incidents.incident import Incident
from ledger.integrity.tables import IntegrityTables
from ledger.subjects.subject import DataSubject


def by_stream(rows: list[Any]) -> dict[UUID, list[Any]]:
    """Stored rows (ordered by stream, then version) grouped by their stream."""
    grouped: dict[UUID, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[UUID(bytes=bytes(row[1]))].append(row)
    return grouped


def replay_case(
    mapper: Mapper[UUID], case_id: UUID, rows: list[Any]
) -> tuple[Complaint | Incident, list[Any], list[str], int]:
    """The case, replayed from its stored rows (which also give the chain hashes), every
    department that held it on the way (a complaint's `departments_seen`), and the highest
    escalation rank it reached."""
    aggregate: Any = None
    seen: set[str] = set()
    highest = 0
    for _, _, version, topic, state, _ in rows:
        event: Any = mapper.to_domain_event(StoredEvent(case_id, version, topic, state))
        aggregate = event.mutate(aggregate)
        highest = max(highest, getattr(aggregate, "escalation_level", 0))
        seen.update(getattr(aggregate, "departments", None) or [])
        if isinstance(aggregate, Complaint):
            seen.add(aggregate.department)
    if not isinstance(aggregate, Complaint | Incident):
        raise NotFoundError(f"no case with id {case_id}")
    return aggregate, rows, sorted(seen), highest


def data_subjects(
    mapper: Mapper[UUID], tables: IntegrityTables, subject_ids: Iterable[UUID]
) -> dict[UUID, DataSubject | None]:
    """These people's streams (None where the ledger never recorded one), in one query."""
    streams = {DataSubject.create_id(s): s for s in subject_ids}
    stored = by_stream(tables.events_of_streams(sorted(streams)))
    found: dict[UUID, DataSubject | None] = {}
    for stream, subject_id in streams.items():
        aggregate: Any = None
        for _, _, version, topic, state, _ in stored.get(stream, []):
            event: Any = mapper.to_domain_event(StoredEvent(stream, version, topic, state))
            aggregate = event.mutate(aggregate)
        found[subject_id] = aggregate
    return found
