"""Data keys read with the events they open: still fresh on every read, in every process.

A read for a request (`for_request(RequestScope())`) on PostgreSQL brings the key rows of the
people a stream is
known to hold in the same statement as its events; anything else reads the key row when a value
is revealed. Either way the row is read on every read, so an erasure (or a rotation) made by
another process shows on the very next read. A second application on the same database stands
in for that other process: it shares no memory with the first.
"""

from collections.abc import Iterator
from uuid import UUID

import pytest

from ledger.application.scope import RequestScope
from ledger.application.service import LedgerApplication
from ledger.cases.complaint import Complaint
from ledger.clock import ManualClock
from ledger.store.settings import settings_for_url
from ledger.values import Actor
from privacy.fields import ERASED, Personal
from privacy.keys.master_key import MasterKeyring, key_id_for

AGENT = Actor(staff_id="agent-7", role="agent", department="service")
MANAGER = Actor(staff_id="im-1", role="incident_manager")
PRIVACY = Actor(staff_id="po-1", role="privacy_officer")
READ_MODES = ["in a response", "value by value"]


@pytest.fixture
def elsewhere(
    database_url: str, clock: ManualClock, keyring: MasterKeyring
) -> Iterator[LedgerApplication]:
    """Another process on the same database: its own pool, caches and key store."""
    app = LedgerApplication(settings_for_url(database_url), keyring=keyring, clock=clock)
    yield app
    app.close()


def registered(ledger: LedgerApplication, name: str = "Qian Reader") -> Complaint:
    complaint = ledger.register_complaint(
        channel="phone",
        customer_name=name,
        customer_phone="13800001111",
        summary="Parcel lost",
        description="Never arrived",
        actor=AGENT,
    )
    ledger.note_progress(complaint.id, note="Called the courier", actor=AGENT)
    return complaint


def read_name(ledger: LedgerApplication, complaint_id: UUID, mode: str) -> str:
    if mode == "in a response":
        scope = RequestScope()
        memo, reading = scope.keys, ledger.for_request(scope)
        return ledger.keys.reveal(reading.get_complaint(complaint_id).customer.name, memo)
    return ledger.keys.reveal(ledger.get_complaint(complaint_id).customer.name)


@pytest.mark.parametrize("mode", READ_MODES)
def test_an_erasure_by_another_process_shows_on_the_next_read(
    ledger: LedgerApplication, elsewhere: LedgerApplication, mode: str
) -> None:
    complaint = registered(ledger)
    assert read_name(ledger, complaint.id, mode) == "Qian Reader"  # learnt, key unwrapped
    elsewhere.erase_subject(complaint.customer.subject_id, legal_basis="Art. 17", actor=PRIVACY)
    assert read_name(ledger, complaint.id, mode) == ERASED


@pytest.mark.parametrize("mode", READ_MODES)
def test_an_erasure_in_this_process_shows_on_the_next_read(
    ledger: LedgerApplication, mode: str
) -> None:
    complaint = registered(ledger)
    assert read_name(ledger, complaint.id, mode) == "Qian Reader"
    ledger.erase_subject(complaint.customer.subject_id, legal_basis="Art. 17", actor=PRIVACY)
    assert read_name(ledger, complaint.id, mode) == ERASED


@pytest.mark.postgres
def test_on_postgres_a_response_reveals_with_the_keys_read_with_its_events(
    postgres_schema_url: str, clock: ManualClock, keyring: MasterKeyring
) -> None:
    settings = settings_for_url(postgres_schema_url)
    ledger = LedgerApplication(settings, keyring=keyring, clock=clock)
    elsewhere = LedgerApplication(settings, keyring=keyring, clock=clock)
    try:
        complaint = registered(ledger)
        subject = complaint.customer.subject_id
        scope = RequestScope()
        memo, reading = scope.keys, ledger.for_request(scope)
        name = reading.get_complaint(complaint.id).customer.name
        elsewhere.erase_subject(subject, legal_basis="Art. 17", actor=PRIVACY)
        during = ledger.keys.reveal(name, memo)
        assert (during, read_name(ledger, complaint.id, "in a response")) == (
            "Qian Reader",
            ERASED,
        )
    finally:
        ledger.close()
        elsewhere.close()


@pytest.mark.parametrize("mode", READ_MODES)
def test_a_stream_first_read_in_this_process_reveals_its_people(
    ledger: LedgerApplication, elsewhere: LedgerApplication, mode: str
) -> None:
    complaint = registered(elsewhere, "Zhou Written Elsewhere")
    assert read_name(ledger, complaint.id, mode) == "Zhou Written Elsewhere"


@pytest.mark.parametrize("mode", READ_MODES)
def test_a_person_added_to_a_known_stream_elsewhere_is_revealed_and_erased_there_too(
    ledger: LedgerApplication, elsewhere: LedgerApplication, mode: str
) -> None:
    incident = ledger.report_incident(title="Gateway down", description="Cards fail", actor=MANAGER)
    ledger.get_incident(incident.id)  # this process knows the stream, without the new person
    elsewhere.assess_incident(
        incident.id,
        level="II",
        impact="Checkout down",
        affected_customers=[{"name": "Sun Affected", "phone": "13900002222"}],
        departments=["technical"],
        actor=MANAGER,
    )

    def affected_name() -> str:
        if mode == "in a response":
            scope = RequestScope()
            memo, reading = scope.keys, ledger.for_request(scope)
            customer = reading.get_incident(incident.id).affected_customers[0]
            return ledger.keys.reveal(customer.name, memo)
        customer = ledger.get_incident(incident.id).affected_customers[0]
        return ledger.keys.reveal(customer.name)

    assert affected_name() == "Sun Affected"
    subject = ledger.get_incident(incident.id).affected_customers[0].subject_id
    elsewhere.erase_subject(subject, legal_basis="Art. 17", actor=PRIVACY)
    assert affected_name() == ERASED


def test_a_rotation_by_another_process_is_read_from_the_row(
    database_url: str, clock: ManualClock, keyring: MasterKeyring
) -> None:
    new_master = bytes(range(1, 33))
    both = MasterKeyring(
        current_id=keyring.current_id,
        keys={**keyring.keys, key_id_for(new_master): new_master},
        source="tests",
    )
    reader = LedgerApplication(settings_for_url(database_url), keyring=both, clock=clock)
    rotated = MasterKeyring(current_id=key_id_for(new_master), keys=both.keys, source="tests")
    rotator = LedgerApplication(settings_for_url(database_url), keyring=rotated, clock=clock)
    try:
        complaint = registered(reader)
        assert read_name(reader, complaint.id, "in a response") == "Qian Reader"
        assert rotator.keys.rotate() == 1
        assert rotator.keys.master_key_ids_in_use() == {key_id_for(new_master)}
        assert read_name(reader, complaint.id, "in a response") == "Qian Reader"
        rotator.erase_subject(complaint.customer.subject_id, legal_basis="x", actor=PRIVACY)
        assert read_name(reader, complaint.id, "in a response") == ERASED
    finally:
        reader.close()
        rotator.close()


@pytest.mark.postgres
def test_a_known_stream_read_in_a_response_takes_one_connection_for_events_and_keys(
    postgres_schema_url: str, clock: ManualClock, keyring: MasterKeyring
) -> None:
    ledger = LedgerApplication(settings_for_url(postgres_schema_url), keyring=keyring, clock=clock)
    try:
        complaint = registered(ledger)
        pool = ledger.recorder.datastore.pool  # type: ignore[attr-defined]
        before = pool.get_stats()["requests_num"]
        scope = RequestScope()
        memo, reading = scope.keys, ledger.for_request(scope)
        read = reading.get_complaint(complaint.id)
        values = [v for v in vars(read.customer).values() if isinstance(v, Personal)]
        revealed = [ledger.keys.reveal(v, memo) for v in (*values, read.summary)]
        assert pool.get_stats()["requests_num"] - before == 1
        assert revealed == ["Qian Reader", "13800001111", "Parcel lost"]
    finally:
        ledger.close()


@pytest.mark.postgres
def test_a_known_stream_of_several_people_brings_all_their_keys_with_its_events(
    postgres_schema_url: str, clock: ManualClock, keyring: MasterKeyring
) -> None:
    ledger = LedgerApplication(settings_for_url(postgres_schema_url), keyring=keyring, clock=clock)
    try:
        incident = ledger.report_incident(title="Outage", description="Down", actor=MANAGER)
        ledger.assess_incident(
            incident.id,
            level="II",
            impact="Checkout down",
            affected_customers=[{"name": "Wu One"}, {"name": "Zheng Two"}],
            departments=["technical"],
            actor=MANAGER,
        )
        pool = ledger.recorder.datastore.pool  # type: ignore[attr-defined]
        before = pool.get_stats()["requests_num"]
        scope = RequestScope()
        memo, reading = scope.keys, ledger.for_request(scope)
        customers = reading.get_incident(incident.id).affected_customers
        names = [ledger.keys.reveal(c.name, memo) for c in customers]
        assert pool.get_stats()["requests_num"] - before == 1
        assert names == ["Wu One", "Zheng Two"]
    finally:
        ledger.close()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "window",
    [{}, {"gt": 1}, {"lte": 2}, {"desc": True}, {"limit": 2}, {"desc": True, "limit": 1}],
    ids=["all", "gt", "lte", "desc", "limit", "last"],
)
def test_a_stream_read_with_its_key_rows_returns_the_same_events(
    postgres_schema_url: str, clock: ManualClock, keyring: MasterKeyring, window: dict[str, int]
) -> None:
    ledger = LedgerApplication(settings_for_url(postgres_schema_url), keyring=keyring, clock=clock)
    try:
        complaint = registered(ledger)
        ledger.note_progress(complaint.id, note="Courier called back", actor=AGENT)
        recorder = ledger.recorder
        alone = recorder.select_events(complaint.id, **window)  # type: ignore[arg-type]
        memo = RequestScope().keys
        together = recorder.select_events(complaint.id, keys=memo, **window)  # type: ignore
        assert together == alone
        sealed = ledger.get_complaint(complaint.id).customer.name
        assert [key for key, opener in memo.items() if opener] == [
            (sealed.subject_id, sealed.key_id)
        ]
    finally:
        ledger.close()
