"""A save the side records' function refuses comes back as the error its caller expects, naming
what was taken, so that a group commit can drop only the save that carries it."""

import pytest

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


@pytest.mark.parametrize("detail", ["", "3", '"ab"', '["only one"]', "[1, 2]"])
def test_a_taken_key_whose_detail_names_no_key_names_none(detail: str) -> None:
    error = refusal(TAKEN_KEY_STATE, detail)  # "": a function of an older version
    assert isinstance(error, DuplicateRequestError)
    assert error.key is None


def test_a_taken_number_names_its_claim() -> None:
    error = refusal(TAKEN_NUMBER_STATE, "CMP 2026 4")
    assert isinstance(error, NumberTakenError)
    assert error.claim == NumberClaim("CMP", 2026, 4)


def test_another_sqlstate_is_not_a_refusal() -> None:
    assert refusal("23505", "") is None
