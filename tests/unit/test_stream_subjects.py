"""The per-process map of which people a stream holds: ids only, learnt while mapping events."""

from uuid import uuid4

from privacy.keys.stream_subjects import StreamSubjects, mapping_stream

ALICE, BOB = str(uuid4()), str(uuid4())


def noted_in(stream: object, subjects: StreamSubjects, *subject_ids: str) -> None:
    token = mapping_stream.set(stream)  # type: ignore[arg-type]
    try:
        for subject_id in subject_ids:
            subjects.note(subject_id)
    finally:
        mapping_stream.reset(token)


def test_a_stream_is_predicted_to_hold_the_people_seen_in_it_once_each() -> None:
    subjects, stream = StreamSubjects(), uuid4()
    noted_in(stream, subjects, ALICE, BOB, ALICE)
    assert subjects.predict(stream) == (ALICE, BOB)


def test_a_value_mapped_outside_any_stream_teaches_nothing() -> None:
    subjects = StreamSubjects()
    subjects.note(ALICE)
    assert subjects.predict(uuid4()) == ()


def test_the_stream_learnt_first_is_forgotten_beyond_the_bound() -> None:
    subjects = StreamSubjects(maxsize=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    for stream in (first, second, third):
        noted_in(stream, subjects, ALICE)
    assert [subjects.predict(s) for s in (first, second, third)] == [(), (ALICE,), (ALICE,)]


def test_a_subject_is_remembered_as_the_key_table_spells_it() -> None:
    subjects, stream = StreamSubjects(), uuid4()
    noted_in(stream, subjects, ALICE.upper())
    assert subjects.predict(stream) == (ALICE,)
