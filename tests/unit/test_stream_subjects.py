"""The per-process map of which people a stream holds: ids only, learnt while mapping events."""

from uuid import UUID, uuid4

from eventsourcing.persistence import JSONTranscoder, StoredEvent

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


def sealed(subject: UUID) -> str:
    """A personal value as the transcoder stores it (ids and ciphertext only)."""
    return f'{{"_type_":"personal","_data_":{{"s":"{subject}","k":"k1","c":"AAAA"}}}}'


def test_the_mapper_notes_the_people_whose_sealed_values_each_stored_event_holds() -> None:
    mapper = StreamNotingMapper(transcoder=JSONTranscoder())
    mapper.streams = StreamSubjects()
    stream = uuid4()
    alice, bob = UUID(ALICE), UUID(BOB)
    state = f'{{"note":{sealed(alice)},"customer":{{"name":{sealed(bob)},"region":"north"}}}}'
    mapper._note(StoredEvent(stream, 2, "ledger.cases.complaint:Complaint.Noted", state.encode()))
    assert sorted(mapper.streams.predict(stream)) == sorted((ALICE, BOB))


def test_an_event_without_personal_values_notes_nobody() -> None:
    mapper = StreamNotingMapper(transcoder=JSONTranscoder())
    mapper.streams = StreamSubjects()
    stream = uuid4()
    mapper._note(StoredEvent(stream, 1, "ledger.cases.complaint:Complaint.Closed", b'{"s":"x"}'))
    assert mapper.streams.predict(stream) == ()


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
