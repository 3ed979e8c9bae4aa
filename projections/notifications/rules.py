"""Which events become notices: one rule per kind of event, each a trigger of the policy.

A rule reads only what the event carries (ids, kinds, deadlines, levels; never personal data)
and names the record the notice is about. Who is told is decided when the notice is raised
(projections/notifications/recipients.py), so the rule needs no directory and replays alike.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from ledger.notifications.notice import notice_id_for
from ledger.policy.notification_policy import NotificationPolicy
from projections.engine.stored_events import ProjectedEvent


@dataclass(frozen=True)
class Pending:
    """A notice a rule asks for, before its recipients are resolved."""

    source: str
    rule: str
    record_kind: str
    record_id: UUID
    due: datetime | None
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def notice_id(self) -> UUID:
        return notice_id_for(self.source, self.rule)


# A clock's warning or breach, by whether it is a handoff's accept clock.
_CLOCK_RULES = {
    ("Complaint.DeadlineWarned", False): "sla_warning",
    ("Complaint.DeadlineWarned", True): "handoff_accept_near",
    ("Complaint.DeadlineBreached", False): "sla_breached",
    ("Complaint.DeadlineBreached", True): "handoff_accept_missed",
}
# An incident clock's warning, by the kind of clock (`action:A1` is an action item's due date).
_INCIDENT_WARNINGS = {
    "assess": "incident_deadline_near",
    "activate": "incident_deadline_near",
    "review": "incident_deadline_near",
    "status_update": "status_update_due",
    "action": "action_item_due_soon",
    "verify": "action_item_verification_due",
}


def source_of(event: ProjectedEvent) -> str:
    """An event's identity in the log: its stream and version."""
    return f"{event.originator_id}:{event.originator_version}"


def pending_for(event: ProjectedEvent, policy: NotificationPolicy) -> Pending | None:
    """The notice `event` asks for under `policy`, if any."""
    kind = event.kind
    if kind == "Handoff.Requested":
        rule, record, due = "handoff_requested", event.complaint_id, event.accept_due
        facts = {
            "handoff_id": str(event.originator_id),
            "from_department": event.from_department,
            "to_department": event.to_department,
        }
        record_kind = "complaint"
    elif kind in ("Complaint.DeadlineBreached", "Complaint.DeadlineWarned"):
        clock: str = event.clock
        rule = _CLOCK_RULES[kind, clock.startswith("handoff_accept")]
        record, due, record_kind = event.originator_id, event.due, "complaint"
        facts = {"clock": clock}
        if clock.startswith("handoff_"):  # `handoff_accept:<id>`; `promise:2` is no handoff
            facts["handoff_id"] = clock.partition(":")[2]
    elif kind in ("Incident.DeadlineBreached", "Incident.DeadlineWarned"):
        clock = event.clock
        kind_of_clock, _, item = clock.partition(":")
        if kind == "Incident.DeadlineWarned":
            rule = _INCIDENT_WARNINGS.get(kind_of_clock, "incident_deadline_near")
        elif kind_of_clock == "action":
            rule = "action_item_overdue"
        else:
            rule = "incident_deadline_missed"
        record, due, record_kind = event.originator_id, event.due, "incident"
        facts = {"clock": clock}
        if kind_of_clock in ("action", "verify"):
            facts["item_id"] = item
    elif kind == "Complaint.Resolved":
        # The customer is owed a satisfaction survey (the confirmation clock) by `feedback_due`.
        rule, record, due, record_kind = (
            "feedback_survey_owed",
            event.originator_id,
            event.feedback_due,
            "complaint",
        )
        facts = {}
    elif kind == "Escalation.Raised":
        if not event.automatic:
            return None
        rule, record, due, record_kind = (
            "escalation_raised",
            event.subject_id,
            None,
            event.subject_kind,
        )
        facts = {"escalation_id": str(event.originator_id), "level": event.level}
        if event.rule:
            facts["because"] = event.rule
    elif kind == "Incident.Reported":
        rule, record, due, record_kind = (
            "incident_reported",
            event.originator_id,
            event.assess_due,
            "incident",
        )
        facts = {}
    elif kind in ("Incident.Assessed", "Incident.LevelChanged"):
        level = event.level if kind == "Incident.Assessed" else event.to_level
        rule, record, due, record_kind = "incident_level", event.originator_id, None, "incident"
        facts = {"level": level}
    else:
        return None
    if policy.trigger(rule) is None:
        return None
    return Pending(source_of(event), rule, record_kind, record, due, facts)
