"""Reference sequences leased among processes (ledger/store/number_lease.py)."""

from datetime import timedelta

from ledger.application.numbering import NumberGate
from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.store.number_lease import LEASE_LOCK_KEY
from ledger.values import Actor

AGENT = Actor(staff_id="agent-7", role="agent", department="service")


def test_a_sequence_leased_by_one_process_waits_for_it_in_another(
    ledger: LedgerApplication,
) -> None:
    mine = ledger.side_tables.lease("CMP", 2026)
    theirs = ledger.side_tables.lease("CMP", 2026)  # another process's, on its own connection
    assert mine.acquire(patience=1.0)
    assert not theirs.acquire(patience=0.05)
    mine.release()
    assert theirs.acquire(patience=1.0)
    theirs.close()
    mine.close()


def test_another_sequence_is_not_held_up(ledger: LedgerApplication) -> None:
    complaints = ledger.side_tables.lease("CMP", 2026)
    incidents = ledger.side_tables.lease("INC", 2026)
    assert complaints.acquire(patience=1.0)
    assert incidents.acquire(patience=0.05)
    complaints.close()
    incidents.close()


def _holders(ledger: LedgerApplication) -> list[int]:
    """The backends holding this schema's complaint lease, as PostgreSQL's lock table shows."""
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = hashtext(%s)::oid AND objsubid = 2 AND granted",
            (LEASE_LOCK_KEY, f"{datastore.schema}:references:CMP:2026"),
        )
        return [int(row["pid"]) for row in cursor.fetchall()]


def _terminate(ledger: LedgerApplication, pid: int) -> None:
    """End a backend as a restart or an operator would, waiting until it is gone."""
    with ledger.recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def _register(ledger: LedgerApplication) -> None:
    ledger.register_complaint(
        channel="phone", customer_name="Li Si", summary="s", description="d", actor=AGENT
    )


def test_a_lease_keeps_its_connection_from_one_turn_to_the_next(
    ledger: LedgerApplication,
) -> None:
    lease = ledger.side_tables.lease("CMP", 2026)
    assert lease.acquire(patience=1.0)
    [first] = _holders(ledger)
    lease.release()
    assert _holders(ledger) == []
    assert lease.acquire(patience=1.0)
    assert _holders(ledger) == [first]  # no new connection (PostgreSQL process) per turn
    lease.close()
    assert _holders(ledger) == []


def test_a_lease_whose_connection_was_cut_is_had_again_on_a_new_one(
    ledger: LedgerApplication,
) -> None:
    lease = ledger.side_tables.lease("CMP", 2026)
    assert lease.acquire(patience=1.0)
    [cut] = _holders(ledger)
    _terminate(ledger, cut)
    lease.release()  # the session ended, and its lock with it: nothing to raise
    assert lease.acquire(patience=1.0)
    [holder] = _holders(ledger)
    assert holder != cut
    other = ledger.side_tables.lease("CMP", 2026)
    assert not other.acquire(patience=0.05)
    other.close()
    lease.close()


def test_closing_the_application_gives_its_leases_up(ledger: LedgerApplication) -> None:
    gate_lease = ledger.side_tables.lease("CMP", 2026)
    ledger.number_gates[("CMP", 2026)] = NumberGate(lease=gate_lease)
    assert gate_lease.acquire(patience=1.0)
    other = ledger.side_tables.lease("CMP", 2026)
    ledger.close()
    assert other.acquire(patience=1.0)
    other.close()


def test_a_lease_whose_connection_was_ended_while_idle_is_had_again_on_a_new_one(
    ledger: LedgerApplication,
) -> None:
    lease = ledger.side_tables.lease("CMP", 2026)
    assert lease.acquire(patience=1.0)
    [ended] = _holders(ledger)
    lease.release()
    _terminate(ledger, ended)
    assert lease.acquire(patience=1.0)  # the kept connection is found gone, and replaced
    assert _holders(ledger) not in ([], [ended])
    lease.close()


def test_a_closed_lease_is_not_had_again(ledger: LedgerApplication) -> None:
    lease = ledger.side_tables.lease("CMP", 2026)
    lease.close()
    assert not lease.acquire(patience=1.0)
    assert _holders(ledger) == []


def test_a_years_first_registration_gives_last_years_lease_up(
    ledger: LedgerApplication, clock: ManualClock
) -> None:
    _register(ledger)
    assert ("CMP", 2026) in ledger.number_gates
    clock.advance(timedelta(days=400))
    _register(ledger)
    assert [key for key in ledger.number_gates if key[0] == "CMP"] == [("CMP", 2027)]
