"""A freshly minted subject gets its data key in one statement; it never revives an erased one."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from ledger.application.service import LedgerApplication
from privacy.fields import Personal
from privacy.keys.keystore import SubjectErasedError


def test_a_prepared_subject_keeps_one_key_and_its_fields_read_back(
    ledger: LedgerApplication,
) -> None:
    subject = uuid4()
    ledger.keys.prepare_new_subject(subject)
    first = ledger.keys.key_for_encrypting(subject)
    ledger.keys.prepare_new_subject(subject)  # a second attempt changes nothing
    assert ledger.keys.key_for_decrypting(subject, first[0]) == first[1]
    sealed = ledger.keys.seal(Personal.of(subject, "Li Si"))
    assert ledger.keys.reveal(sealed) == "Li Si"


def test_preparing_an_erased_subject_does_not_revive_them(ledger: LedgerApplication) -> None:
    subject = uuid4()
    ledger.keys.erase(subject, at=datetime(2026, 3, 2, tzinfo=UTC))
    ledger.keys.prepare_new_subject(subject)
    assert ledger.keys.is_erased(subject)
    with pytest.raises(SubjectErasedError):
        ledger.keys.key_for_encrypting(subject)
