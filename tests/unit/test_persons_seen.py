"""What `ledger verify`'s event pass notes about persons for the key check."""

from uuid import UUID, uuid4

from ledger.integrity.key_checks import _record_of, erasure_topics
from ledger.integrity.persons_seen import PersonsSeen
from ledger.subjects.subject import data_subject_id_for


def _sealed(subject: UUID, spaced: bool = False) -> bytes:
    gap = " " if spaced else ""
    return (
        f'{{"name":{{"_type_":{gap}"personal",{gap}"_data_":{gap}'
        f'{{"s":{gap}"{subject}","c":"x"}}}}}}'
    ).encode()


def test_every_person_a_sealed_value_names_is_noted() -> None:
    first, second = uuid4(), uuid4()
    seen = PersonsSeen(erasure_topics())
    seen.note(
        [
            (1, bytes(16), 1, "t", _sealed(first) + _sealed(second, spaced=True), None),
            (2, bytes(16), 2, "t", b'{"note":"no sealed value"}', None),
        ]
    )
    assert seen.named == {str(first), str(second)}
    assert seen.through == 2


def test_no_person_is_read_across_two_events() -> None:
    subject = str(uuid4()).encode()
    seen = PersonsSeen(erasure_topics())
    seen.note(
        [
            (1, bytes(16), 1, "t", b'{"a":{"_type_":"personal","_data_":{"s":"', None),
            (2, bytes(16), 2, "t", subject + b'"}}}', None),
        ]
    )
    assert seen.named == set()


def test_the_stream_of_an_erasure_event_is_noted() -> None:
    stream = uuid4().bytes
    seen = PersonsSeen(erasure_topics())
    seen.note([(7, stream, 3, erasure_topics()[0], b"{}", None)])
    assert seen.erased == {stream}


def test_a_key_rows_record_id_is_the_data_subjects_stream_id() -> None:
    subject = uuid4()
    assert _record_of(str(subject)) == data_subject_id_for(subject).bytes
    assert _record_of(str(subject).upper()) == data_subject_id_for(subject).bytes
