"""Archive seals written before version 2 carry no archival time: they load, and bound it."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from projections.retention.archive_seal import ArchiveSeal, Seal, problems
from projections.retention.archive_tables import ArchiveRow, record_sha256

SEALED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RECORD = {"case_id": "case-1", "kind": "complaint", "timestamps": {"closed_at": "2022-01-01"}}


def test_a_seal_stored_before_version_2_loads_without_an_archival_time() -> None:
    mapper = Application().mapper
    stored = mapper.to_stored_event(
        ArchiveSeal("case-1", "abc", "run-1", "2026-03-01T00:00:00+00:00").collect_events()[0]
    )
    state = json.loads(stored.state)
    del state["archived_at"], state["class_version"]
    old = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode()
    )
    assert mapper.to_domain_event(old).archived_at is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("archived_at", "breaks"),
    [(SEALED_AT - timedelta(minutes=5), []), (SEALED_AT + timedelta(days=30), ["altered"])],
)
def test_a_row_under_an_older_seal_may_not_be_archived_after_it_was_sealed(
    archived_at: datetime, breaks: list[str]
) -> None:
    sha = record_sha256(RECORD)
    row = ArchiveRow(
        "case-1", "complaint", "2022-01-01", archived_at.isoformat(), "run-1", RECORD, sha
    )
    found = problems([row], {"case-1": Seal(sha, "run-1", None, SEALED_AT)})
    assert [b.kind for b in found] == breaks
