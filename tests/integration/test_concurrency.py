"""Racing writers over real HTTP: one write wins per version, losers get 409, nothing is lost."""

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ledger.application.service import LedgerApplication
from ledger.errors import ConcurrencyError
from ledger.values import Actor
from privacy.fields import Personal
from tests.api.conftest import AGENT, NEW_COMPLAINT
from tests.served import Served, serve

WRITERS = 16


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    with serve(tmp_path, database_url, LEDGER_THREADS="32") as running:
        yield running


def _workable(served: Served) -> str:
    status, complaint, _ = served.call("POST", "/v1/complaints", NEW_COMPLAINT, AGENT)
    assert status == 201
    path = f"/v1/complaints/{complaint['id']}"
    assert (
        served.call(
            "POST", f"{path}/classify", {"category": "complaint", "priority": "normal"}, AGENT
        )[0]
        == 200
    )
    assert served.call("POST", f"{path}/assign", {}, AGENT)[0] == 200
    return str(complaint["id"])


def _notes_in_history(served: Served, complaint_id: str) -> list[str]:
    _, history, _ = served.call("GET", f"/v1/complaints/{complaint_id}/history", None, AGENT)
    versions = [e["version"] for e in history["events"]]
    assert versions == list(range(1, len(versions) + 1))
    return [e["data"]["note"] for e in history["events"] if e["event"] == "ProgressNoted"]


def test_racing_writers_on_one_complaint_lose_with_409_and_nothing_is_lost(served: Served) -> None:
    complaint_id = _workable(served)
    start = threading.Barrier(WRITERS)

    def write(n: int) -> int:
        start.wait()
        return served.call(
            "POST", f"/v1/complaints/{complaint_id}/notes", {"note": f"writer {n}"}, AGENT
        )[0]

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = list(pool.map(write, range(WRITERS)))
    counts = Counter(statuses)
    assert set(counts) <= {200, 409}, counts
    assert counts[200] >= 1
    notes = _notes_in_history(served, complaint_id)
    winners = {f"writer {n}" for n, status in enumerate(statuses) if status == 200}
    assert sorted(notes) == sorted(winners)


def test_writers_on_different_complaints_all_succeed_and_every_event_is_stored(
    served: Served,
) -> None:
    per_writer = 8

    def work(n: int) -> tuple[str, list[int]]:
        complaint_id = _workable(served)
        return complaint_id, [
            served.call(
                "POST", f"/v1/complaints/{complaint_id}/notes", {"note": f"{n}-{i}"}, AGENT
            )[0]
            for i in range(per_writer)
        ]

    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(work, range(WRITERS)))
    assert all(statuses == [200] * per_writer for _, statuses in results)
    assert len({complaint_id for complaint_id, _ in results}) == WRITERS
    for n, (complaint_id, _) in enumerate(results):
        assert _notes_in_history(served, complaint_id) == [f"{n}-{i}" for i in range(per_writer)]


def test_a_stale_write_is_refused_and_the_stream_keeps_the_first(ledger: LedgerApplication) -> None:
    agent = Actor("agent-7", "agent", "service")
    complaint = ledger.register_complaint(
        channel="phone", customer_name="Li Si", summary="Broken", description="Broken", actor=agent
    )
    first = ledger.get_complaint(complaint.id)
    second = ledger.get_complaint(complaint.id)
    subject = complaint.customer.subject_id
    first.note_progress(note=Personal.of(subject, "first"), actor=agent, at=ledger.clock.now())
    second.note_progress(note=Personal.of(subject, "second"), actor=agent, at=ledger.clock.now())
    ledger.save(first)
    with pytest.raises(ConcurrencyError):
        ledger.save(second)
    notes = [h.data.get("note") for h in ledger.get_history(complaint.id)]
    assert [ledger.keys.reveal(n) if n else None for n in notes] == [None, "first"]
