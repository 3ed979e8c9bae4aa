"""A save the side records' function refuses comes back as the error its caller expects, naming
what was taken, so that a group commit can drop only the save that carries it."""

from ledger.errors import DuplicateRequestError
from ledger.store.side_tables import (
    TAKEN_KEY_STATE,
    TAKEN_NUMBER_STATE,
    NumberClaim,
    NumberTakenError,
    refusal,
)


def test_a_taken_key_names_its_scope_and_key() -> None:
    error = refusal(TAKEN_KEY_STATE, '["agent 7", "key with spaces"]')
    assert isinstance(error, DuplicateRequestError)
    assert error.key == ("agent 7", "key with spaces")


def test_a_taken_key_refused_by_an_older_function_names_none() -> None:
    error = refusal(TAKEN_KEY_STATE, "")
    assert isinstance(error, DuplicateRequestError)
    assert error.key is None


def test_a_taken_number_names_its_claim() -> None:
    error = refusal(TAKEN_NUMBER_STATE, "CMP 2026 4")
    assert isinstance(error, NumberTakenError)
    assert error.claim == NumberClaim("CMP", 2026, 4)


def test_another_sqlstate_is_not_a_refusal() -> None:
    assert refusal("23505", "") is None
