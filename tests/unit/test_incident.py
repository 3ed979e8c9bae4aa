"""The Incident aggregate: every phase transition, allowed and refused, and the close rule."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from ledger.errors import DomainError
from ledger.incidents.incident import (
    ACTION_DONE,
    ACTION_OPEN,
    ACTION_VERIFIED,
    ACTION_WAIVED,
    ASSESSED,
    CLOSED,
    HANDLING,
    MITIGATED,
    REPORTED,
    RESOLVED,
    RESPONSE_ACTIVATED,
    REVIEWED,
    STATUSES,
    Incident,
)
from ledger.policy.service_policy import Policy
from ledger.values import Actor, Customer
from privacy.fields import Personal

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
POLICY = Policy()
RULES = POLICY.incidents
MANAGER = Actor(staff_id="im-1", role="incident_manager")
OWNER = Actor(staff_id="eng-4", role="department_staff", department="engineering")
SUBJECT = UUID("00000000-0000-4000-8000-000000000005")
CUSTOMER = Customer(subject_id=SUBJECT, name=Personal.of(SUBJECT, "Wang Wu"))


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def reported() -> Incident:
    return Incident.report(
        reference="INC-2026-000001",
        title="Payment gateway down",
        description="Card payments fail at checkout.",
        assess_due=T0 + RULES.assess_within,
        activate_due=T0 + RULES.activate_within,
        actor=MANAGER,
        at=T0,
    )


def assess(incident: Incident, minutes: int = 30, level: str = "II") -> None:
    incident.assess(
        level=level,
        impact="Checkout unavailable for card payers",
        affected_customers=[CUSTOMER],
        departments=["technical", "service"],
        actor=MANAGER,
        at=at(minutes),
    )


def activate(incident: Incident, minutes: int = 60) -> None:
    incident.activate(
        plan="Fail over to the standby gateway",
        roles={"incident_lead": "im-1", "communications": "cs-2"},
        known_roles=RULES.roles,
        actor=MANAGER,
        at=at(minutes),
    )


def log(incident: Incident, minutes: int = 70, kind: str = "action") -> None:
    incident.log(
        kind=kind, text="Restarted the gateway", personal_text=None, actor=MANAGER, at=at(minutes)
    )


def mitigate(incident: Incident, minutes: int = 90) -> None:
    incident.mitigate(summary="Standby gateway serving", actor=MANAGER, at=at(minutes))


def resolve(incident: Incident, minutes: int = 120) -> None:
    incident.resolve(
        summary="Primary gateway repaired",
        review_plan_due=POLICY.review_plan_due(at(minutes)),
        actor=MANAGER,
        at=at(minutes),
    )


def review(incident: Incident, minutes: int = 600) -> None:
    incident.review(
        contributing_factors=["Expired certificate", "No expiry alert"],
        went_well=["Fast failover"],
        went_badly=["Customers learnt of it late"],
        actor=MANAGER,
        at=at(minutes),
    )


def add_item(incident: Incident, minutes: int = 610) -> str:
    return incident.add_action_item(
        description="Alert 30 days before a certificate expires",
        owner=OWNER.staff_id,
        due=at(minutes) + timedelta(days=7),
        verify_due=at(minutes) + RULES.verify_within,
        actor=MANAGER,
        at=at(minutes),
    )


STEPS: list[Callable[[Incident], None]] = [assess, activate, log, mitigate, resolve, review]


def incident_in(status: str) -> Incident:
    """An incident driven through the phases until it reaches `status`."""
    incident = reported()
    for step in STEPS:
        if incident.status == status:
            break
        step(incident)
    if status == CLOSED:
        incident.close(actor=MANAGER, at=at(700))
    assert incident.status == status
    return incident


# -- the happy path -----------------------------------------------------------------------------


def test_a_reported_incident_records_its_assessment_and_activation_deadlines() -> None:
    incident = reported()
    assert (incident.status, incident.assess_due, incident.activate_due) == (
        REPORTED,
        T0 + timedelta(hours=2),
        T0 + timedelta(hours=4),
    )


def test_each_phase_follows_the_previous_one() -> None:
    incident = reported()
    seen = [incident.status]
    for step in STEPS:
        step(incident)
        seen.append(incident.status)
    incident.close(actor=MANAGER, at=at(700))
    seen.append(incident.status)
    assert seen == [
        REPORTED,
        ASSESSED,
        RESPONSE_ACTIVATED,
        HANDLING,
        MITIGATED,
        RESOLVED,
        REVIEWED,
        CLOSED,
    ]
    assert set(seen) == set(STATUSES)


def test_an_incident_replays_to_the_same_state_from_its_events() -> None:
    incident = incident_in(REVIEWED)
    add_item(incident)
    events = incident.collect_events()
    copy: Incident | None = None
    for e in events:
        copy = e.mutate(copy)  # type: ignore[assignment]
    assert copy is not None
    assert copy.__dict__ == incident.__dict__


def test_assessment_records_whether_it_met_its_deadline() -> None:
    on_time, late = reported(), reported()
    assess(on_time, minutes=120)
    assess(late, minutes=121)
    flags = [i.collect_events()[-1].met_deadline for i in (on_time, late)]  # type: ignore[attr-defined]
    assert flags == [True, False]


def test_activation_records_whether_it_met_its_deadline() -> None:
    on_time, late = reported(), reported()
    for incident, minutes in ((on_time, 240), (late, 241)):
        assess(incident)
        activate(incident, minutes=minutes)
    flags = [i.collect_events()[-1].met_deadline for i in (on_time, late)]  # type: ignore[attr-defined]
    assert flags == [True, False]


def test_entries_may_be_logged_before_the_assessment_and_stay_in_order() -> None:
    incident = reported()
    log(incident, minutes=5)
    incident.log(
        kind="status_update", text="Gateway rebooting", personal_text=None, actor=MANAGER, at=at(6)
    )
    assess(incident)
    assert [(e["kind"], e["phase"]) for e in incident.timeline] == [
        ("action", REPORTED),
        ("status_update", REPORTED),
    ]
    assert incident.status == ASSESSED


def test_a_customer_notification_to_an_affected_customer_is_personal() -> None:
    incident = incident_in(RESPONSE_ACTIVATED)
    text = Personal.of(SUBJECT, "Called Wang Wu: refund on its way")
    incident.log(
        kind="customer_notification", text=None, personal_text=text, actor=MANAGER, at=at(65)
    )
    assert incident.timeline[-1]["personal_text"] == text


def test_a_notification_about_someone_not_affected_is_refused() -> None:
    incident = incident_in(RESPONSE_ACTIVATED)
    other = UUID("00000000-0000-4000-8000-000000000099")
    with pytest.raises(DomainError) as refused:
        incident.log(
            kind="customer_notification",
            text=None,
            personal_text=Personal.of(other, "hello"),
            actor=MANAGER,
            at=at(65),
        )
    assert refused.value.field == "subject_id"


def test_an_unknown_entry_kind_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        reported().log(kind="gossip", text="x", personal_text=None, actor=MANAGER, at=at(1))
    assert refused.value.field == "kind"


# -- levels -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "direction"), [("II", "I", "upgrade"), ("II", "III", "downgrade")]
)
def test_a_level_change_records_its_direction_and_reason(
    start: str, to: str, direction: str
) -> None:
    incident = reported()
    assess(incident, level=start)
    incident.change_level(level=to, reason="More stores affected", actor=MANAGER, at=at(40))
    event = incident.collect_events()[-1]
    assert (incident.level, event.direction, event.from_level, event.reason) == (  # type: ignore[attr-defined]
        to,
        direction,
        start,
        "More stores affected",
    )


def test_the_level_cannot_change_before_the_assessment() -> None:
    with pytest.raises(DomainError):
        reported().change_level(level="I", reason="bad", actor=MANAGER, at=at(1))


@pytest.mark.parametrize(
    ("level", "reason", "field"),
    [("II", "same", "level"), ("IV", "x", "level"), ("I", " ", "reason")],
)
def test_a_level_change_needs_a_new_known_level_and_a_reason(
    level: str, reason: str, field: str
) -> None:
    incident = incident_in(ASSESSED)
    with pytest.raises(DomainError) as refused:
        incident.change_level(level=level, reason=reason, actor=MANAGER, at=at(40))
    assert refused.value.field == field


# -- refused transitions ------------------------------------------------------------------------

COMMANDS: dict[str, Callable[[Incident], None]] = {
    "assess": assess,
    "activate": activate,
    "mitigate": mitigate,
    "resolve": resolve,
    "review": review,
    "close": lambda i: i.close(actor=MANAGER, at=at(700)),
}
ALLOWED_FROM = {
    "assess": {REPORTED},
    "activate": {ASSESSED},
    "mitigate": {RESPONSE_ACTIVATED, HANDLING},
    "resolve": {MITIGATED},
    "review": {RESOLVED},
    "close": {REVIEWED},
}
REFUSED = [
    (command, status)
    for command in COMMANDS
    for status in STATUSES
    if status not in ALLOWED_FROM[command]
]


@pytest.mark.parametrize(("command", "status"), REFUSED)
def test_a_phase_command_out_of_order_is_refused(command: str, status: str) -> None:
    incident = incident_in(status)
    with pytest.raises(DomainError) as refused:
        COMMANDS[command](incident)
    assert (incident.status, refused.value.field) == (status, "status")


@pytest.mark.parametrize("status", [RESOLVED, REVIEWED, CLOSED])
def test_entries_cannot_be_logged_once_resolved(status: str) -> None:
    with pytest.raises(DomainError):
        log(incident_in(status))


def test_activation_needs_an_incident_lead() -> None:
    incident = incident_in(ASSESSED)
    with pytest.raises(DomainError) as refused:
        incident.activate(
            plan="p", roles={"scribe": "s-1"}, known_roles=RULES.roles, actor=MANAGER, at=at(60)
        )
    assert refused.value.field == "roles"


def test_an_unknown_level_is_refused_at_assessment() -> None:
    with pytest.raises(DomainError) as refused:
        assess(reported(), level="IV")
    assert refused.value.field == "level"


# -- roles --------------------------------------------------------------------------------------


def test_a_role_changing_hands_ends_the_previous_tenure() -> None:
    incident = incident_in(RESPONSE_ACTIVATED)
    incident.assign_role(
        role="incident_lead", staff_id="im-2", known_roles=RULES.roles, actor=MANAGER, at=at(80)
    )
    leads = [t for t in incident.role_history if t["role"] == "incident_lead"]
    assert leads == [
        {"role": "incident_lead", "staff_id": "im-1", "from": at(60), "until": at(80)},
        {"role": "incident_lead", "staff_id": "im-2", "from": at(80), "until": None},
    ]
    assert incident.roles["incident_lead"] == "im-2"


def test_roles_are_assigned_only_after_activation() -> None:
    with pytest.raises(DomainError):
        incident_in(ASSESSED).assign_role(
            role="scribe", staff_id="s-1", known_roles=RULES.roles, actor=MANAGER, at=at(40)
        )


def test_a_role_is_not_given_to_its_current_holder() -> None:
    with pytest.raises(DomainError) as refused:
        incident_in(HANDLING).assign_role(
            role="incident_lead", staff_id="im-1", known_roles=RULES.roles, actor=MANAGER, at=at(80)
        )
    assert refused.value.field == "staff_id"


# -- milestones ---------------------------------------------------------------------------------


def test_milestones_may_be_set_after_the_fact_with_who_set_them() -> None:
    incident = incident_in(HANDLING)
    incident.set_milestone(
        name="impact_started", occurred_at=T0 - timedelta(minutes=40), actor=MANAGER, at=at(75)
    )
    incident.set_milestone(
        name="detected", occurred_at=T0 - timedelta(minutes=10), actor=MANAGER, at=at(76)
    )
    event = incident.collect_events()[-1]
    assert incident.milestones == {
        "impact_started": T0 - timedelta(minutes=40),
        "detected": T0 - timedelta(minutes=10),
    }
    assert event.actor == MANAGER  # type: ignore[attr-defined]


def test_detected_cannot_precede_impact_started() -> None:
    incident = reported()
    incident.set_milestone(name="impact_started", occurred_at=at(-10), actor=MANAGER, at=at(1))
    with pytest.raises(DomainError) as refused:
        incident.set_milestone(name="detected", occurred_at=at(-20), actor=MANAGER, at=at(2))
    assert refused.value.field == "occurred_at"


def test_impact_started_cannot_follow_mitigation() -> None:
    incident = incident_in(MITIGATED)
    with pytest.raises(DomainError):
        incident.set_milestone(name="impact_started", occurred_at=at(95), actor=MANAGER, at=at(100))


def test_mitigated_cannot_be_set_before_the_incident_is_mitigated() -> None:
    with pytest.raises(DomainError):
        incident_in(HANDLING).set_milestone(
            name="mitigated", occurred_at=at(70), actor=MANAGER, at=at(75)
        )


def test_a_milestone_cannot_be_in_the_future() -> None:
    with pytest.raises(DomainError):
        reported().set_milestone(name="detected", occurred_at=at(10), actor=MANAGER, at=at(5))


def test_mitigation_and_resolution_set_their_milestones() -> None:
    incident = incident_in(RESOLVED)
    assert (incident.milestones["mitigated"], incident.milestones["resolved"]) == (at(90), at(120))


# -- review and close ---------------------------------------------------------------------------


def test_resolution_records_when_the_review_plan_is_due_in_working_days() -> None:
    friday = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    assert POLICY.review_plan_due(friday) == datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    assert incident_in(RESOLVED).review_plan_due == datetime(2026, 3, 4, 11, 0, tzinfo=UTC)


def test_a_review_needs_contributing_factors() -> None:
    incident = incident_in(RESOLVED)
    with pytest.raises(DomainError) as refused:
        incident.review(
            contributing_factors=[], went_well=["x"], went_badly=[], actor=MANAGER, at=at(600)
        )
    assert refused.value.field == "contributing_factors"


def test_an_action_item_goes_open_done_verified() -> None:
    incident = incident_in(REVIEWED)
    item = add_item(incident)
    states = [incident.action_items[item]["status"]]
    incident.complete_action_item(item_id=item, note="Alert configured", actor=OWNER, at=at(700))
    states.append(incident.action_items[item]["status"])
    incident.verify_action_item(item_id=item, actor=MANAGER, at=at(800))
    states.append(incident.action_items[item]["status"])
    assert states == [ACTION_OPEN, ACTION_DONE, ACTION_VERIFIED]


def test_an_open_action_item_cannot_be_verified() -> None:
    incident = incident_in(REVIEWED)
    item = add_item(incident)
    with pytest.raises(DomainError):
        incident.verify_action_item(item_id=item, actor=MANAGER, at=at(700))


def test_the_owner_cannot_verify_their_own_action_item() -> None:
    incident = incident_in(REVIEWED)
    item = add_item(incident)
    incident.complete_action_item(item_id=item, note="done", actor=OWNER, at=at(700))
    with pytest.raises(DomainError):
        incident.verify_action_item(item_id=item, actor=OWNER, at=at(800))


def test_action_items_are_added_only_to_a_reviewed_incident() -> None:
    with pytest.raises(DomainError):
        add_item(incident_in(RESOLVED))


def test_an_incident_with_an_open_action_item_cannot_close() -> None:
    incident = incident_in(REVIEWED)
    add_item(incident)
    with pytest.raises(DomainError) as refused:
        incident.close(actor=MANAGER, at=at(700))
    assert refused.value.field == "action_items"


def test_an_incident_with_a_done_but_unverified_item_cannot_close() -> None:
    incident = incident_in(REVIEWED)
    item = add_item(incident)
    incident.complete_action_item(item_id=item, note="done", actor=OWNER, at=at(700))
    with pytest.raises(DomainError):
        incident.close(actor=MANAGER, at=at(710))


def test_an_incident_with_an_open_escalation_cannot_close() -> None:
    incident = incident_in(REVIEWED)
    escalation = UUID(int=7)
    incident.record_escalation(
        escalation_id=escalation, level="supervisor", actor=MANAGER, at=at(700)
    )
    with pytest.raises(DomainError) as refused:
        incident.close(actor=MANAGER, at=at(710))
    assert refused.value.field == "open_escalations"
    incident.record_escalation_resolved(escalation_id=escalation, actor=MANAGER, at=at(720))
    incident.close(actor=MANAGER, at=at(730))
    assert incident.status == CLOSED


def test_an_incident_closes_when_every_item_is_verified_or_waived() -> None:
    incident = incident_in(REVIEWED)
    verified, waived = add_item(incident), add_item(incident)
    incident.complete_action_item(item_id=verified, note="done", actor=OWNER, at=at(700))
    incident.verify_action_item(item_id=verified, actor=MANAGER, at=at(710))
    incident.waive_action_item(
        item_id=waived, reason="Vendor retired the product", actor=MANAGER, at=at(720)
    )
    incident.close(actor=MANAGER, at=at(730))
    assert (incident.status, incident.action_items[waived]["status"]) == (CLOSED, ACTION_WAIVED)


def test_waiving_needs_a_reason() -> None:
    incident = incident_in(REVIEWED)
    item = add_item(incident)
    with pytest.raises(DomainError) as refused:
        incident.waive_action_item(item_id=item, reason=" ", actor=MANAGER, at=at(700))
    assert refused.value.field == "reason"


def test_a_closed_incident_refuses_every_further_command() -> None:
    incident = incident_in(CLOSED)
    with pytest.raises(DomainError, match="closed"):
        incident.set_milestone(name="detected", occurred_at=at(1), actor=MANAGER, at=at(800))
