"""A legal hold on a case and an erasure of its customer, racing on PostgreSQL: both write to
the person's record, so the event store lets one through, and an erasure never completes after
a hold was placed."""

import threading
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.clock import ManualClock
from ledger.errors import ConcurrencyError, DomainError, NotFoundError
from ledger.store.settings import settings_for_url
from ledger.subjects.subject import data_subject_id_for
from ledger.values import Actor
from privacy.keys.master_key import MasterKeyring
from tests.integrity.helpers import register

COMPLIANCE = Actor(staff_id="audit-1", role="compliance_officer")
DPO = Actor(staff_id="dpo-1", role="privacy_officer")


@pytest.fixture
def other_process(
    database_url: str, clock: ManualClock, keyring: MasterKeyring
) -> Iterator[LedgerApplication]:
    """A second application on the same database, as another server process would be."""
    app = LedgerApplication(settings_for_url(database_url), keyring=keyring, clock=clock)
    yield app
    app.close()


def _paused_before_saving(
    app: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> tuple[threading.Event, threading.Event]:
    """Hold `app`'s next save until told: its command has read and checked, not yet written."""
    checked, go_on = threading.Event(), threading.Event()
    save = app.save

    def paused(*objs: Any, **kwargs: Any) -> Any:
        checked.set()
        assert go_on.wait(30)
        return save(*objs, **kwargs)

    monkeypatch.setattr(app, "save", paused)
    return checked, go_on


def _outcome(ledger: LedgerApplication, case: Complaint) -> tuple[bool, bool]:
    """(held, erased) as the ledger now records them."""
    held = ledger.get_complaint(case.id).legal_hold is not None
    try:
        erased = ledger.get_data_subject(case.customer.subject_id).erased_at is not None
    except NotFoundError:
        erased = False
    return held, erased


def _erased_while_held(ledger: LedgerApplication, case: Complaint) -> bool:
    """Whether, in the log's order, the person's erasure came while the case's hold stood."""
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    record = data_subject_id_for(case.customer.subject_id)
    with datastore.transaction(commit=False) as c:
        c.execute(
            f'SELECT topic FROM "{datastore.schema}".ledger_events '
            "WHERE originator_id = ANY(%s) ORDER BY notification_id",
            ([case.id, record],),
        )
        topics = [row["topic"].rsplit(".", 1)[-1] for row in c.fetchall()]
    held = False
    for topic in topics:
        held = {"LegalHoldPlaced": True, "LegalHoldLifted": False}.get(topic, held)
        if topic == "Erased" and held:
            return True
    return False


def _race(
    first: Callable[[], object],
    checked: threading.Event,
    go_on: threading.Event,
    second: Callable[[], object],
) -> tuple[BaseException | None, BaseException | None]:
    """Run `first` in a thread until it has checked, run `second` to the end, then let `first`
    write; what each raised."""
    raised: list[BaseException | None] = [None]

    def run_first() -> None:
        try:
            first()
        except BaseException as error:  # the test reads what it raised
            raised[0] = error

    thread = threading.Thread(target=run_first)
    thread.start()
    assert checked.wait(30)
    try:
        second()
        second_raised: BaseException | None = None
    except (ConcurrencyError, DomainError) as error:
        second_raised = error
    go_on.set()
    thread.join(30)
    return raised[0], second_raised


def test_an_erasure_that_checked_before_a_hold_was_placed_is_refused_when_it_writes(
    ledger: LedgerApplication,
    other_process: LedgerApplication,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (case_id,) = register(ledger, clock, 1)
    case = ledger.get_complaint(UUID(case_id))
    checked, go_on = _paused_before_saving(other_process, monkeypatch)
    erasure, hold = _race(
        lambda: other_process.erase_subject(
            case.customer.subject_id, legal_basis="Request", actor=DPO
        ),
        checked,
        go_on,
        lambda: ledger.place_case_hold(case.id, reason="Litigation 2026-31", actor=COMPLIANCE),
    )
    assert hold is None and isinstance(erasure, ConcurrencyError)
    assert _outcome(ledger, case) == (True, False)


def test_a_hold_that_read_the_person_before_an_erasure_is_refused_when_it_writes(
    ledger: LedgerApplication,
    other_process: LedgerApplication,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (case_id,) = register(ledger, clock, 1)
    case = ledger.get_complaint(UUID(case_id))
    checked, go_on = _paused_before_saving(other_process, monkeypatch)
    hold, erasure = _race(
        lambda: other_process.place_case_hold(
            case.id, reason="Litigation 2026-31", actor=COMPLIANCE
        ),
        checked,
        go_on,
        lambda: ledger.erase_subject(case.customer.subject_id, legal_basis="Request", actor=DPO),
    )
    assert erasure is None and isinstance(hold, ConcurrencyError)
    assert _outcome(ledger, case) == (False, True)


def test_a_hold_and_an_erasure_started_together_end_in_exactly_one_of_them(
    ledger: LedgerApplication, other_process: LedgerApplication, clock: ManualClock
) -> None:
    cases = [ledger.get_complaint(UUID(c)) for c in register(ledger, clock, 8)]
    for case in cases:
        start = threading.Barrier(2)

        def hold(case: Complaint = case, start: threading.Barrier = start) -> None:
            start.wait(30)
            ledger.place_case_hold(case.id, reason="Litigation", actor=COMPLIANCE)

        def erase(case: Complaint = case, start: threading.Barrier = start) -> None:
            start.wait(30)
            other_process.erase_subject(case.customer.subject_id, legal_basis="R", actor=DPO)

        errors: list[BaseException] = []
        threads = [threading.Thread(target=_catching(job, errors)) for job in (hold, erase)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert all(isinstance(e, ConcurrencyError | DomainError) for e in errors), errors
        # One wins outright; or the erasure completed first and the hold came after it.
        assert len(errors) <= 1 and not _erased_while_held(ledger, case)
        assert _outcome(ledger, case) != (False, False)


def _catching(job: Callable[[], None], errors: list[BaseException]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except BaseException as error:  # the test reads what it raised
            errors.append(error)

    return run
