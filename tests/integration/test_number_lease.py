"""Reference sequences leased among processes (ledger/store/number_lease.py)."""

from ledger.application.service import LedgerApplication


def test_a_sequence_leased_by_one_process_waits_for_it_in_another(
    ledger: LedgerApplication,
) -> None:
    mine = ledger.side_tables.lease("CMP", 2026)
    theirs = ledger.side_tables.lease("CMP", 2026)  # another process's, on its own connection
    assert mine.acquire(patience=1.0)
    assert not theirs.acquire(patience=0.05)
    mine.release()
    assert theirs.acquire(patience=1.0)
    theirs.release()


def test_another_sequence_is_not_held_up(ledger: LedgerApplication) -> None:
    complaints = ledger.side_tables.lease("CMP", 2026)
    incidents = ledger.side_tables.lease("INC", 2026)
    assert complaints.acquire(patience=1.0)
    assert incidents.acquire(patience=0.05)
    complaints.release()
    incidents.release()
