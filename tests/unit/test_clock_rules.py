"""The rules of the clocks that always run, on the aggregates and the policy, in memory: when a
missed deadline may be recorded (once), what meets each clock, and how deadlines are set."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from ledger.cases.complaint import Complaint
from ledger.errors import DomainError, PolicyError
from ledger.incidents.incident import HANDLING, RESOLVED, REVIEWED, Incident
from ledger.policy.calendar import BusinessCalendar
from ledger.policy.policy_file import policy_from_mapping
from ledger.policy.service_policy import Policy, Targets
from tests.unit.test_complaint import AGENT, LATER, REGISTERED_AT, personal, register
from tests.unit.test_complaint_waiting_and_breaches import workable
from tests.unit.test_incident import MANAGER, OWNER, add_item, at, incident_in, reported


def replayed(aggregate: Complaint | Incident) -> Complaint | Incident:
    """The aggregate rebuilt from the events it recorded, as the store would."""
    events = aggregate.collect_events()
    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)
    assert rebuilt is not None
    return rebuilt


# -- incidents ----------------------------------------------------------------------------------


def test_a_missed_assessment_is_recorded_once_on_the_incident() -> None:
    incident = reported()
    incident.record_breach(clock="assess", due=at(120), actor=MANAGER, at=at(121))
    assert incident.breaches == ["assess"]
    assert not incident.check_breach("assess")
    with pytest.raises(DomainError):
        incident.record_breach(clock="assess", due=at(120), actor=MANAGER, at=at(122))


def test_no_breach_is_recorded_for_an_assessment_that_was_made() -> None:
    incident = incident_in(HANDLING)
    assert not incident.check_breach("assess")
    assert not incident.check_breach("activate")


def test_a_status_update_is_owed_until_one_is_logged_after_the_clock_started() -> None:
    incident = incident_in(HANDLING)
    clock = f"status_update:{at(60).isoformat()}"  # from the activation
    assert incident.check_breach(clock)
    incident.log(kind="status_update", text="on it", personal_text=None, actor=MANAGER, at=at(75))
    assert not incident.check_breach(clock)


def test_no_status_update_is_owed_once_the_incident_is_resolved() -> None:
    incident = incident_in(RESOLVED)
    assert not incident.check_breach(f"status_update:{at(60).isoformat()}")


def test_the_review_is_owed_from_the_resolution_until_it_is_made() -> None:
    assert incident_in(RESOLVED).check_breach("review")
    assert not incident_in(REVIEWED).check_breach("review")


def test_an_open_action_item_is_overdue_and_a_done_one_owes_only_its_verification() -> None:
    incident = incident_in(REVIEWED)
    item = add_item(incident)
    assert incident.check_breach(f"action:{item}")
    incident.complete_action_item(item_id=item, note="alert added", actor=OWNER, at=at(700))
    assert not incident.check_breach(f"action:{item}")
    assert incident.check_breach(f"verify:{item}")


def test_a_waived_action_item_owes_nothing() -> None:
    incident = incident_in(REVIEWED)
    item = add_item(incident)
    incident.waive_action_item(item_id=item, reason="superseded", actor=MANAGER, at=at(700))
    assert not incident.check_breach(f"action:{item}")
    assert not incident.check_breach(f"verify:{item}")


def test_an_incidents_breaches_replay_from_its_events() -> None:
    incident = reported()
    incident.record_breach(clock="assess", due=at(120), actor=MANAGER, at=at(121))
    assert replayed(incident).breaches == ["assess"]


def test_an_incident_clock_past_its_warning_mark_is_recorded_once_and_replays() -> None:
    incident = reported()
    incident.record_warning(clock="assess", due=at(120), actor=MANAGER, at=at(96))
    assert not incident.check_warning("assess")
    with pytest.raises(DomainError):
        incident.record_warning(clock="assess", due=at(120), actor=MANAGER, at=at(97))
    assert replayed(incident).warnings == ["assess"]


def test_no_warning_is_recorded_for_a_deadline_met_or_breached() -> None:
    assert not incident_in(HANDLING).check_warning("assess")
    incident = reported()
    incident.record_breach(clock="activate", due=at(240), actor=MANAGER, at=at(241))
    assert not incident.check_warning("activate")


# -- complaints ---------------------------------------------------------------------------------


def test_a_registration_after_its_deadline_is_a_breach() -> None:
    contact = REGISTERED_AT - timedelta(hours=30)
    late = register(first_contact_at=contact, registration_due=contact + timedelta(hours=24))
    assert late.check_breach("registration")


def test_a_registration_within_its_deadline_is_no_breach() -> None:
    contact = REGISTERED_AT - timedelta(hours=2)
    prompt = register(first_contact_at=contact, registration_due=contact + timedelta(hours=24))
    assert not prompt.check_breach("registration")
    assert not register().check_breach("registration")  # no contact time given: no clock


def test_a_first_contact_after_the_registration_is_refused() -> None:
    with pytest.raises(DomainError, match="first contact") as refused:
        register(first_contact_at=REGISTERED_AT + timedelta(minutes=1))
    assert refused.value.field == "first_contact_at"


def test_a_reopened_round_owes_its_own_resolution_until_resolved_again() -> None:
    complaint = workable()
    complaint.resolve(resolution=personal("fixed"), feedback_due=LATER, actor=AGENT, at=LATER)
    new_due = LATER + timedelta(hours=24)
    complaint.reopen(reason="broke again", resolution_due=new_due, actor=AGENT, at=LATER)
    assert complaint.resolution_due == new_due
    assert complaint.check_breach("resolution:2")
    assert not complaint.check_breach("resolution")  # the first round was met
    complaint.resolve(resolution=personal("replaced"), feedback_due=LATER, actor=AGENT, at=LATER)
    assert not complaint.check_breach("resolution:2")


def test_the_confirmation_is_owed_after_a_resolution_until_the_survey_is_recorded() -> None:
    complaint = workable()
    complaint.resolve(resolution=personal("fixed"), feedback_due=LATER, actor=AGENT, at=LATER)
    assert complaint.check_breach("confirmation:1")
    complaint.record_feedback(
        satisfaction=5, comment=None, reopen_at_or_below=2, actor=AGENT, at=LATER
    )
    assert not complaint.check_breach("confirmation:1")


def test_a_promise_is_kept_by_the_next_answer_whatever_the_progress() -> None:
    complaint = workable()
    number = complaint.promise_reply(due=LATER + timedelta(hours=1), actor=AGENT, at=LATER)
    assert (number, complaint.check_breach("promise:1")) == (1, True)
    complaint.respond(message=personal("still on it"), actor=AGENT, at=LATER)
    assert not complaint.check_breach("promise:1")


def test_a_promise_keeps_running_while_the_complaint_waits_on_the_customer() -> None:
    complaint = workable()
    complaint.promise_reply(due=LATER + timedelta(hours=1), actor=AGENT, at=LATER)
    complaint.await_customer(reason="needs photos", actor=AGENT, at=LATER)
    assert complaint.check_breach("promise:1")
    assert not complaint.check_breach("first_response")


def test_a_promised_reply_time_must_be_in_the_future() -> None:
    with pytest.raises(DomainError, match="future"):
        workable().promise_reply(due=LATER, actor=AGENT, at=LATER)


def test_a_complaints_promises_replay_from_its_events() -> None:
    complaint = workable()
    complaint.promise_reply(due=LATER + timedelta(hours=1), actor=AGENT, at=LATER)
    assert replayed(complaint).promises == complaint.promises


# -- the policy ---------------------------------------------------------------------------------


def test_a_channel_target_tightens_the_prioritys() -> None:
    policy = Policy(channel_targets={"phone": Targets(first_response=timedelta(minutes=15))})
    deadlines = policy.complaint_deadlines(
        registered_at=REGISTERED_AT, priority="normal", tier="standard", channel="phone"
    )
    assert deadlines.first_response_due == REGISTERED_AT + timedelta(minutes=15)
    assert deadlines.resolution_due == REGISTERED_AT + timedelta(hours=48)


def test_a_looser_category_target_leaves_the_prioritys() -> None:
    deadlines = Policy().complaint_deadlines(
        registered_at=REGISTERED_AT, priority="urgent", tier="standard", category="service"
    )
    assert deadlines.first_response_due == REGISTERED_AT + timedelta(hours=2)


def test_a_category_target_is_set_in_the_policy_file() -> None:
    policy = policy_from_mapping({"complaints": {"by_category": {"order": {"resolution": "12h"}}}})
    targets = policy.targets(priority="normal", tier="standard", category="order")
    assert targets.resolution == timedelta(hours=12)
    assert "service" in policy.category_targets  # the defaults stay beside it


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ({"complaints": {"by_channel": {"fax": {}}}}, "complaints.by_channel.fax"),
        ({"complaints": {"by_category": {"x": {}}}}, "complaints.by_category.x"),
        ({"incidents": {"status_update_every": {"IV": "1h"}}}, "status_update_every.IV"),
        ({"complaints": {"registration_within": "soon"}}, "complaints.registration_within"),
    ],
)
def test_a_bad_clock_setting_is_refused_naming_it(given: dict, refusal: str) -> None:
    with pytest.raises(PolicyError, match=refusal):
        policy_from_mapping(given)


def test_the_review_counts_working_days_without_the_calendars_holidays() -> None:
    calendar = BusinessCalendar(
        timezone="UTC", opens=time(9), closes=time(18), holidays=frozenset({date(2026, 3, 3)})
    )
    resolved = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday; Tuesday is a holiday
    due = Policy(calendar=calendar).review_plan_due(resolved)
    assert due == datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def test_without_a_business_calendar_working_days_are_monday_to_friday() -> None:
    friday = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    assert Policy().review_plan_due(friday) == datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
