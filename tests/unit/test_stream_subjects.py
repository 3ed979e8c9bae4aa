"""The per-process map of which people a stream holds: ids only, learnt while mapping events."""

from types import SimpleNamespace
from uuid import UUID, uuid4

from eventsourcing.persistence import JSONTranscoder

from privacy.fields import Personal
from privacy.keys.stream_subjects import StreamNotingMapper, StreamSubjects

ALICE, BOB = str(uuid4()), str(uuid4())


def noted_in(stream: UUID, subjects: StreamSubjects, *subject_ids: str) -> None:
    for subject_id in subject_ids:
        subjects.note(stream, subject_id)


def test_a_stream_is_predicted_to_hold_the_people_seen_in_it_once_each() -> None:
    subjects, stream = StreamSubjects(), uuid4()
    noted_in(stream, subjects, ALICE, BOB, ALICE)
    assert subjects.predict(stream) == (ALICE, BOB)


def test_a_person_noted_in_one_stream_is_not_predicted_in_another() -> None:
    subjects = StreamSubjects()
    subjects.note(uuid4(), ALICE)
    assert subjects.predict(uuid4()) == ()


def test_the_mapper_notes_the_people_of_each_event_it_maps_in_their_stream() -> None:
    mapper = StreamNotingMapper(transcoder=JSONTranscoder())
    mapper.streams = StreamSubjects()
    stream = uuid4()
    alice, bob = UUID(ALICE), UUID(BOB)
    event = SimpleNamespace(
        originator_id=stream,
        note=Personal.of(alice, "note"),
        customer=SimpleNamespace(name=Personal.of(bob, "Bob"), region="north"),
    )
    mapper._note(event)
    assert mapper.streams.predict(stream) == (ALICE, BOB)


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
