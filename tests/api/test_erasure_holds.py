"""Erasure holds: against a restored key row, and against a legal hold on a case."""

import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import psycopg
import pytest
from flask.testing import FlaskClient
from psycopg import sql

from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.clock import ManualClock
from ledger.errors import ConcurrencyError, DomainError, NotFoundError
from ledger.store.settings import settings_for_url
from ledger.subjects.subject import data_subject_id_for
from ledger.values import Actor
from privacy.fields import ERASED, TAMPERED
from privacy.keys.master_key import MasterKeyring
from tests.api.conftest import AGENT, COMPLIANCE_OFFICER, command, ok, workable
from tests.conftest import POSTGRES_URL
from tests.integrity.helpers import register

PRIVACY_OFFICER = {"X-Staff-Id": "dpo-1", "X-Staff-Role": "privacy_officer"}


def _keys_table(database_url: str) -> sql.Identifier:
    schema = parse_qs(urlsplit(database_url).query)["schema"][0]
    return sql.Identifier(schema, "ledger_subject_keys")


def _key_row(database_url: str, subject: str) -> tuple[Any, ...]:
    """What a backup holds of the person's key: their row, as dumped."""
    with psycopg.connect(POSTGRES_URL) as connection:
        row = connection.execute(
            sql.SQL(
                "SELECT subject_id, key_id, wrapped, master_key_id, created_at, erased_at FROM {} "
                "WHERE subject_id = %s"
            ).format(_keys_table(database_url)),
            (subject,),
        ).fetchone()
    assert row is not None
    return tuple(row)


def _restore(database_url: str, row: tuple[Any, ...]) -> None:
    """Put a dumped key row back, as a restore of that table from the backup would."""
    with psycopg.connect(POSTGRES_URL) as connection:
        table = _keys_table(database_url)
        connection.execute(sql.SQL("DELETE FROM {} WHERE subject_id = %s").format(table), row[:1])
        connection.execute(
            sql.SQL(
                "INSERT INTO {} (subject_id, key_id, wrapped, master_key_id, created_at, "
                "erased_at) VALUES (%s, %s, %s, %s, %s, %s)"
            ).format(table),
            row,
        )


def _erase(client: FlaskClient, subject: str) -> None:
    ok(
        client.post(
            f"/v1/subjects/{subject}/erasure",
            json={"legal_basis": "Request"},
            headers=PRIVACY_OFFICER,
        ),
        201,
    )


def _breaks(client: FlaskClient) -> list[dict[str, Any]]:
    report = ok(client.get("/v1/audit/verification", headers=COMPLIANCE_OFFICER))
    return list(report["breaks"])


def _erased_then_restored(client: FlaskClient, database_url: str) -> tuple[dict[str, Any], str]:
    complaint = workable(client)
    subject = complaint["customer"]["subject_id"]
    backup = _key_row(database_url, subject)
    _erase(client, subject)
    _restore(database_url, backup)
    return complaint, subject


def test_a_key_row_restored_from_a_backup_after_erasure_still_reads_as_erased(
    client: FlaskClient, database_url: str
) -> None:
    complaint, subject = _erased_then_restored(client, database_url)
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert read["customer"]["name"] == ERASED
    assert _key_row(database_url, subject)[2] is None  # destroyed again on that first read


def test_nothing_personal_is_written_under_a_restored_key_of_an_erased_person(
    client: FlaskClient, database_url: str
) -> None:
    complaint, _ = _erased_then_restored(client, database_url)
    response = command(client, complaint["id"], "notes", {"note": "after the restore"})
    assert response.status_code == 409
    assert "after the restore" not in response.get_data(as_text=True)


def test_verify_reports_a_key_restored_for_an_erased_person(
    client: FlaskClient, database_url: str
) -> None:
    _, subject = _erased_then_restored(client, database_url)
    found = [b for b in _breaks(client) if subject in b["detail"]]
    assert [b["kind"] for b in found] == ["altered"]
    assert "restored" in found[0]["detail"]


def test_verify_reports_a_key_destroyed_without_an_erasure(
    client: FlaskClient, database_url: str
) -> None:
    subject = workable(client)["customer"]["subject_id"]
    with psycopg.connect(POSTGRES_URL) as connection:
        connection.execute(
            sql.SQL("UPDATE {} SET wrapped = NULL WHERE subject_id = %s").format(
                _keys_table(database_url)
            ),
            (subject,),
        )
    found = [b for b in _breaks(client) if subject in b["detail"]]
    assert [b["kind"] for b in found] == ["missing"]
    assert "no erasure" in found[0]["detail"]


def test_an_erased_and_a_kept_person_leave_verify_intact(client: FlaskClient) -> None:
    workable(client)
    _erase(client, workable(client)["customer"]["subject_id"])
    assert _breaks(client) == []


def test_a_key_row_copied_from_another_person_reads_as_tampered(
    client: FlaskClient, database_url: str
) -> None:
    victim, other = workable(client), workable(client)
    theirs = _key_row(database_url, other["customer"]["subject_id"])
    with psycopg.connect(POSTGRES_URL) as connection:
        connection.execute(  # the other person's wrapped key, under the victim's key id
            sql.SQL("UPDATE {} SET wrapped = %s WHERE subject_id = %s").format(
                _keys_table(database_url)
            ),
            (theirs[2], victim["customer"]["subject_id"]),
        )
    read = ok(client.get(f"/v1/complaints/{victim['id']}", headers=AGENT))
    assert read["customer"]["name"] == TAMPERED


def test_a_customer_whose_case_is_under_legal_hold_cannot_be_erased(
    client: FlaskClient,
) -> None:
    complaint = workable(client)
    subject = complaint["customer"]["subject_id"]
    hold = f"/v1/cases/{complaint['id']}/legal-hold"
    ok(client.post(hold, json={"reason": "Litigation 2026-31"}, headers=COMPLIANCE_OFFICER))

    refused = client.post(
        f"/v1/subjects/{subject}/erasure", json={"legal_basis": "Request"}, headers=PRIVACY_OFFICER
    )
    assert refused.status_code == 409
    assert "Litigation 2026-31" in refused.get_json()["detail"]
    assert complaint["reference"] in refused.get_json()["detail"]
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert read["customer"]["name"] not in (ERASED, TAMPERED)

    ok(client.post(f"{hold}/lift", json={"reason": "Settled"}, headers=COMPLIANCE_OFFICER))
    _erase(client, subject)
    read = ok(client.get(f"/v1/complaints/{complaint['id']}", headers=AGENT))
    assert read["customer"]["name"] == ERASED


# -- a hold and an erasure racing: both write to the person's record, so one of them loses ------

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
