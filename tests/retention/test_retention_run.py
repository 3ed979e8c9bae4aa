"""The retention run: archives exactly the cases past retention, skips held ones, shreds keys."""

from datetime import timedelta

import pytest

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.integrity.service import Integrity
from ledger.integrity.verify import verify_ledger
from privacy.fields import ERASED
from projections.engine.read_side import ReadSide
from projections.retention.archive_tables import ArchiveTables
from projections.retention.rules import KindRule, RetentionRules
from projections.retention.run import RetentionRun
from tests.conftest import PERSONAL_MARKERS
from tests.retention.conftest import OFFICER, closed_complaint
from tests.unit.test_incident import CLOSED, SUBJECT, incident_in

THREE_YEARS = timedelta(days=3 * 365)


def test_a_case_past_retention_is_archived_and_its_person_shredded(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, archive: ArchiveTables
) -> None:
    old = closed_complaint(ledger, marker="Wang Old")
    clock.advance(THREE_YEARS + timedelta(days=1))
    report = retention.run()
    assert report.archived == [str(old.id)]
    assert report.destroyed == [str(old.customer.subject_id)]
    assert ledger.keys.reveal(ledger.get_complaint(old.id).customer.name) == ERASED
    row = archive.archive(str(old.id))
    assert row is not None and row.record["csat"] == 5 and row.record["event_count"] == 7


def test_a_case_still_within_retention_is_left_alone(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    old = closed_complaint(ledger, marker="Zhao Early")
    clock.advance(THREE_YEARS - timedelta(days=1))
    young = closed_complaint(ledger, marker="Qian Late")
    clock.advance(timedelta(days=2))
    report = retention.run()
    assert report.archived == [str(old.id)]
    assert report.not_due == 1
    assert ledger.keys.reveal(ledger.get_complaint(young.id).customer.name) == "Qian Late"


def test_a_held_case_is_skipped_with_its_reason(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, archive: ArchiveTables
) -> None:
    held = closed_complaint(ledger, marker="Sun Held")
    ledger.place_case_hold(held.id, reason="litigation 2029-17", actor=OFFICER)
    clock.advance(THREE_YEARS + timedelta(days=1))
    report = retention.run()
    assert report.archived == []
    assert [(s.case_id, s.reason) for s in report.skipped] == [
        (str(held.id), "case under legal hold: litigation 2029-17")
    ]
    assert archive.archive(str(held.id)) is None
    assert ledger.keys.reveal(ledger.get_complaint(held.id).customer.name) == "Sun Held"


def test_a_lifted_case_hold_lets_the_next_run_archive_it(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    held = closed_complaint(ledger, marker="Zhou Lifted")
    ledger.place_case_hold(held.id, reason="audit", actor=OFFICER)
    clock.advance(THREE_YEARS + timedelta(days=1))
    retention.run()
    ledger.lift_case_hold(held.id, reason="audit finished", actor=OFFICER)
    assert retention.run().archived == [str(held.id)]


def test_a_case_of_a_held_person_is_skipped(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    case = closed_complaint(ledger, marker="Wu Person")
    ledger.place_legal_hold(case.customer.subject_id, reason="regulator inquiry", actor=OFFICER)
    clock.advance(THREE_YEARS + timedelta(days=1))
    report = retention.run()
    assert report.archived == [] and report.destroyed == []
    assert "regulator inquiry" in report.skipped[0].reason


def test_a_persons_key_is_kept_while_another_of_their_cases_is_live(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    first = closed_complaint(ledger, marker="Zheng Twice")
    subject = first.customer.subject_id
    live = closed_complaint(ledger, marker="Zheng Twice", subject_id=subject, close=False)
    clock.advance(THREE_YEARS + timedelta(days=1))
    report = retention.run()
    assert report.archived == [str(first.id)]
    assert report.destroyed == []
    assert [k.case_id for k in report.kept] == [str(subject)]
    assert ledger.keys.reveal(ledger.get_complaint(live.id).customer.name) == "Zheng Twice"


def test_the_key_goes_once_the_persons_last_case_is_archived(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    first = closed_complaint(ledger, marker="Feng Last")
    subject = first.customer.subject_id
    clock.advance(timedelta(days=400))
    second = closed_complaint(ledger, marker="Feng Last", subject_id=subject)
    clock.advance(THREE_YEARS - timedelta(days=399))
    assert retention.run().destroyed == []
    clock.advance(timedelta(days=400))
    report = retention.run()
    assert report.archived == [str(second.id)]
    assert report.destroyed == [str(subject)]


def test_the_destruction_is_confirmed_between_two_signed_checkpoints(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    case = closed_complaint(ledger, marker="Chen Confirmed")
    clock.advance(THREE_YEARS + timedelta(days=1))
    report = retention.run()
    history = ledger.get_history(ledger.get_data_subject(case.customer.subject_id).id)
    confirmation = history[-1]
    assert confirmation.event == "DestroyedUnderRetention"
    assert confirmation.data["run_id"] == report.run_id
    assert confirmation.data["cases"] == [str(case.id)]
    assert confirmation.data["rules"] == ["complaints.default=1095d"]
    before, after = confirmation.data["checkpoint_before"], confirmation.data["checkpoint_after"]
    assert before["number"] < after["number"]
    assert confirmation.at == clock.now()


def test_a_second_run_archives_and_destroys_nothing_again(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, archive: ArchiveTables
) -> None:
    closed_complaint(ledger, marker="Chu Again")
    clock.advance(THREE_YEARS + timedelta(days=1))
    retention.run()
    again = retention.run()
    assert (again.archived, again.destroyed, again.already_archived) == ([], [], 1)
    assert len(archive.destructions()) == 1


def test_a_dry_run_plans_without_writing(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, archive: ArchiveTables
) -> None:
    case = closed_complaint(ledger, marker="Wei Dry")
    clock.advance(THREE_YEARS + timedelta(days=1))
    plan = retention.run(dry_run=True)
    assert plan.archived == [str(case.id)] and plan.destroyed == [str(case.customer.subject_id)]
    assert archive.archived_case_ids() == set()
    assert ledger.keys.reveal(ledger.get_complaint(case.id).customer.name) == "Wei Dry"


def test_the_ledger_still_verifies_after_a_run(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, integrity: Integrity
) -> None:
    closed_complaint(ledger, marker="Jiang Verified")
    clock.advance(THREE_YEARS + timedelta(days=1))
    retention.run()
    integrity.checkpoint()
    report = verify_ledger(integrity.tables, integrity.public_key, integrity.checkpoints())
    assert report.intact, [b.describe() for b in report.breaks]


def test_an_incident_is_kept_five_years_then_archived_with_its_facts(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, archive: ArchiveTables
) -> None:
    incident = incident_in(CLOSED)  # closed on the tests' first day, with one affected person
    PERSONAL_MARKERS.add("Wang Wu")
    ledger.save(incident)
    clock.advance(THREE_YEARS + timedelta(days=30))
    assert retention.run().archived == []
    clock.advance(timedelta(days=2 * 365))
    report = retention.run()
    assert report.archived == [str(incident.id)]
    assert report.destroyed == [str(SUBJECT)]
    row = archive.archive(str(incident.id))
    assert row is not None
    assert (row.kind, row.record["category"], row.record["sla"]["assessment"]) == (
        "incident",
        "II",
        "met",
    )
    assert row.record["retention_rule"] == "incidents.default=1825d"


def test_a_held_incident_is_skipped(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    incident = incident_in(CLOSED)
    ledger.save(incident)
    ledger.place_case_hold(incident.id, reason="regulator review", actor=OFFICER)
    clock.advance(timedelta(days=6 * 365))
    report = retention.run()
    assert [s.reason for s in report.skipped] == ["case under legal hold: regulator review"]


def test_the_archive_names_every_department_that_held_the_complaint(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun, archive: ArchiveTables
) -> None:
    case = closed_complaint(ledger, marker="Ma Handed", close=False)
    ledger.reopen_complaint(case.id, reason="customer called back", actor=OFFICER)
    handoff = ledger.request_handoff(
        complaint_id=case.id, to_department="logistics", reason="courier damage", actor=OFFICER
    )
    ledger.accept_handoff(handoff.id, actor=OFFICER)
    ledger.complete_handoff(handoff.id, result="replacement sent", actor=OFFICER)
    ledger.resolve_complaint(case.id, resolution="Ma Handed replaced", actor=OFFICER)
    ledger.close_complaint(case.id, waiver_reason="customer unreachable", actor=OFFICER)
    clock.advance(THREE_YEARS + timedelta(days=1))
    retention.run()
    row = archive.archive(str(case.id))
    assert row is not None
    assert row.record["departments"] == ["logistics", "service"]
    assert (row.record["csat"], row.record["cycles"]) == (None, 2)


def test_the_archive_refuses_to_be_changed_or_emptied(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    closed_complaint(ledger, marker="Gu Fixed")
    clock.advance(THREE_YEARS + timedelta(days=1))
    retention.run()
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    table = (
        f'"{datastore.schema}".ledger_archives'
        if hasattr(datastore, "schema")
        else "ledger_archives"
    )
    for statement in (f"UPDATE {table} SET record = '{{}}'", f"DELETE FROM {table}"):
        with pytest.raises(Exception, match="append-only"), datastore.transaction(commit=True) as c:
            c.execute(statement)


def test_a_longer_rule_for_a_category_keeps_its_cases_past_the_default(
    ledger: LedgerApplication, clock: ManualClock, archive: ArchiveTables, integrity: Integrity
) -> None:
    ordinary = closed_complaint(ledger, marker="Kong Ordinary")
    longer = closed_complaint(ledger, marker="Cao Longer", category="after_sales")
    rules = RetentionRules(complaint=KindRule(THREE_YEARS, {"after_sales": 2 * THREE_YEARS}))
    run = RetentionRun(ledger, integrity, archive, rules)
    clock.advance(THREE_YEARS + timedelta(days=1))
    report = run.run()
    assert (report.archived, report.not_due) == ([str(ordinary.id)], 1)
    clock.advance(THREE_YEARS)
    assert run.run().archived == [str(longer.id)]


def test_a_run_reads_only_the_cases_due_and_not_yet_archived(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    archived = closed_complaint(ledger, marker="Yan Archived")
    held = closed_complaint(ledger, marker="He Held")
    ledger.place_case_hold(held.id, reason="court order", actor=OFFICER)
    clock.advance(THREE_YEARS + timedelta(days=1))
    young = closed_complaint(ledger, marker="Lu Young")
    assert retention.run().archived == [str(archived.id)]
    retention.index.catch_up()
    due = retention.index.due(retention.rules, clock.now(), after=None, limit=100)
    assert [case_id for case_id, _, _ in due] == [str(held.id)]  # not the archived, nor the young
    assert str(young.id) not in {c for c, _, _ in due}


def test_the_retention_index_is_a_tracked_projection_of_the_read_side(
    ledger: LedgerApplication, clock: ManualClock, retention: RetentionRun
) -> None:
    closed_complaint(ledger, marker="Xu Indexed")
    side = ReadSide(ledger)
    assert side.catch_up(["retention_index"])["retention_index"] == side.head()
    assert retention.index.catch_up() == side.head()  # the run finds nothing left to apply
