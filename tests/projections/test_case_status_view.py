"""The case status view after scripted scenarios."""

from datetime import timedelta

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.values import Actor
from projections.cases.queries import CaseFilter, department_queue, get_case, list_cases
from projections.cases.status_view import CASE_STATUS
from projections.engine.read_side import ReadSide
from tests.conftest import START
from tests.projections.conftest import AGENT, TECH, dump_views, new_complaint

COURIER = Actor("log-2", "department_staff", "logistics")


def _row(side: ReadSide, complaint_id: object) -> dict[str, object]:
    side.catch_up()
    row = get_case(side.db, side.generation("case_status"), str(complaint_id))
    assert row is not None
    return row


def test_a_classified_complaint_shows_its_owner_priority_and_deadlines(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    cid = new_complaint(ledger, priority="urgent")
    row = _row(read_side, cid)
    assert (row["status"], row["priority"], row["owner"], row["department"]) == (
        "classified",
        "urgent",
        "agent-7",
        "service",
    )
    assert row["first_response_due"] == START + timedelta(hours=2)
    assert row["resolution_due"] == START + timedelta(hours=24)
    assert row["next_due"] == START + timedelta(hours=2)


def test_an_accepted_handoff_moves_the_case_to_the_receiving_department(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    cid = new_complaint(ledger)
    handoff = ledger.request_handoff(
        complaint_id=cid, to_department="technical", reason="fault", actor=AGENT
    )
    assert _row(read_side, cid)["handoff_to"] == "technical"
    ledger.accept_handoff(handoff.id, actor=TECH)
    row = _row(read_side, cid)
    assert (row["department"], row["owner"], row["handoff_accepted"]) == (
        "technical",
        "tech-3",
        True,
    )


def test_a_completed_handoff_returns_the_case_and_a_rejection_counts_as_a_bounce(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    cid = new_complaint(ledger)
    first = ledger.request_handoff(
        complaint_id=cid, to_department="logistics", reason="courier", actor=AGENT
    )
    ledger.reject_handoff(first.id, reason="not ours", actor=COURIER)
    second = ledger.request_handoff(
        complaint_id=cid, to_department="technical", reason="fault", actor=AGENT
    )
    ledger.accept_handoff(second.id, actor=TECH)
    ledger.complete_handoff(second.id, result="fixed", actor=TECH)
    row = _row(read_side, cid)
    assert (row["department"], row["owner"], row["handoff_id"]) == ("service", "agent-7", None)
    assert (row["handoffs_requested"], row["handoffs_rejected"]) == (2, 1)


def test_resolution_feedback_and_reopen_are_counted(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    cid = new_complaint(ledger)
    ledger.respond_to_complaint(cid, message="on it", actor=AGENT)
    ledger.resolve_complaint(cid, resolution="replaced", actor=AGENT)
    ledger.record_feedback(cid, satisfaction=1, actor=AGENT)
    row = _row(read_side, cid)
    assert (row["status"], row["cycle"], row["reopen_count"], row["satisfaction"]) == (
        "reopened",
        2,
        1,
        1,
    )
    assert row["first_resolved_at"] is not None


def test_the_department_queue_lists_owned_and_handed_cases_oldest_first(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    older = new_complaint(ledger)
    clock.advance(timedelta(minutes=5))
    newer = new_complaint(ledger)
    ledger.request_handoff(complaint_id=newer, to_department="technical", reason="x", actor=AGENT)
    read_side.catch_up()
    generation = read_side.generation("case_status")
    service = [
        r["complaint_id"]
        for r in department_queue(read_side.db, generation, "service", limit=10)[0]
    ]
    technical = [
        r["complaint_id"]
        for r in department_queue(read_side.db, generation, "technical", limit=10)[0]
    ]
    assert service == [str(older), str(newer)]
    assert technical == [str(newer)]


def test_a_case_owned_and_handed_to_the_same_department_is_queued_once(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    cid = new_complaint(ledger)
    handoff = ledger.request_handoff(
        complaint_id=cid, to_department="technical", reason="x", actor=AGENT
    )
    ledger.accept_handoff(handoff.id, actor=TECH)  # technical now owns it, the handoff still open
    row = _row(read_side, cid)
    assert (row["department"], row["handoff_to"]) == ("technical", "technical")
    queue, _ = department_queue(
        read_side.db, read_side.generation("case_status"), "technical", limit=10
    )
    assert [r["complaint_id"] for r in queue] == [str(cid)]


def test_pages_cover_every_case_once_in_a_stable_order(
    ledger: LedgerApplication, read_side: ReadSide, clock: ManualClock
) -> None:
    ids = []
    for _ in range(5):
        ids.append(str(new_complaint(ledger)))
        clock.advance(timedelta(seconds=1))
    read_side.catch_up()
    generation = read_side.generation("case_status")
    seen, cursor = [], None
    while True:
        rows, cursor = list_cases(
            read_side.db, generation, CaseFilter(), now=clock.now(), limit=2, after=cursor
        )
        seen.extend(r["complaint_id"] for r in rows)
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_catching_up_again_applies_nothing_twice(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    read_side.catch_up()
    before = dump_views(read_side)
    assert read_side.catch_up() == dict.fromkeys(read_side.projections, read_side.head())
    assert dump_views(read_side) == before


def test_a_rebuild_swaps_in_a_fresh_generation_equal_to_the_live_one(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    for _ in range(3):
        new_complaint(ledger)
    read_side.catch_up()
    live = dump_views(read_side)
    progress: list[int] = []
    generation = read_side.rebuild("case_status", lambda position, head: progress.append(position))
    assert generation == 2
    assert read_side.generation("case_status") == 2
    assert progress[-1] == read_side.head()
    assert dump_views(read_side) == live


def test_a_complaint_linked_to_an_incident_shows_the_incident(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    cid = new_complaint(ledger)
    incident = ledger.report_incident(title="Outage", description="Router firmware", actor=AGENT)
    ledger.link_complaint_to_incident(incident.id, complaint_id=cid, actor=AGENT)
    assert _row(read_side, cid)["incident_id"] == str(incident.id)


def _index_names(read_side: ReadSide, name: str) -> set[str]:
    """The secondary indexes of a projection's active tables, without their generation."""
    db, generation = read_side.db, read_side.generation(name)
    found: set[str] = set()
    for table in read_side.projection(name).tables:
        with db.reading() as cursor:
            cursor.execute(
                "SELECT indexrelid::regclass::text AS name FROM pg_index "
                "WHERE indrelid = %s::regclass",
                (db.physical(table, generation),),
            )
            names = [str(row["name"]).split(".")[-1].strip('"') for row in cursor.fetchall()]
        found |= {n.replace(f"_g{generation}_", "_g*_") for n in names if "_by_" in n}
    return found


def test_a_rebuilt_view_has_every_index_of_the_view_it_replaces(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    read_side.catch_up()
    live = _index_names(read_side, "case_status")
    read_side.rebuild("case_status")
    assert len(live) == len(CASE_STATUS.indexes) + len(CASE_STATUS.expression_indexes) == 12
    assert _index_names(read_side, "case_status") == live
