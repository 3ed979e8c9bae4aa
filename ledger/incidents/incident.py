"""The Incident aggregate: an emergency from its report to the close of its improvement plan.

    reported → assessed → response_activated → handling → mitigated → resolved → reviewed → closed

Timeline entries may be logged from the report on ("handle first, report after"); milestones
(impact started, detected, acknowledged, mitigated, resolved) may be set after the fact, in
order. Each public command checks the rules and then calls a decorated method that *is* the
event definition; decorated bodies only assign, because they re-run on every replay.
"""

from datetime import datetime
from typing import Any, Final
from uuid import UUID

from eventsourcing.domain import event

from ledger.cases.case import CLOSED as CLOSED
from ledger.cases.case import Case
from ledger.cases.references import INCIDENT_REFERENCES
from ledger.errors import DomainError
from ledger.values import Actor, Customer
from privacy.fields import Personal

REPORTED = "reported"
ASSESSED = "assessed"
RESPONSE_ACTIVATED = "response_activated"
HANDLING = "handling"
MITIGATED = "mitigated"
RESOLVED = "resolved"
REVIEWED = "reviewed"
STATUSES: Final = (
    REPORTED,
    ASSESSED,
    RESPONSE_ACTIVATED,
    HANDLING,
    MITIGATED,
    RESOLVED,
    REVIEWED,
    CLOSED,
)
# Level I is the gravest response (一级响应), level III the lightest.
LEVELS: Final = ("I", "II", "III")
ENTRY_KINDS: Final = ("action", "customer_notification", "resource_allocation", "status_update")
MILESTONES: Final = ("impact_started", "detected", "acknowledged", "mitigated", "resolved")
ACTION_OPEN = "open"
ACTION_DONE = "done"
ACTION_VERIFIED = "verified"
ACTION_WAIVED = "waived"
_ACTIVE = (RESPONSE_ACTIVATED, HANDLING)


def severity(level: str) -> int:
    """3 for level I, 1 for level III: a higher number is a graver incident."""
    return len(LEVELS) - LEVELS.index(level)


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


class Incident(Case):
    """One emergency incident, its response, its review and its improvement plan."""

    KIND = "incident"

    @staticmethod
    def create_id(reference: str) -> UUID:
        return incident_id_for(reference)

    @classmethod
    def report(
        cls,
        *,
        reference: str,
        title: str,
        description: str,
        assess_due: datetime,
        activate_due: datetime,
        actor: Actor,
        at: datetime,
    ) -> "Incident":
        """Record the report; the assessment and activation deadlines run from now."""
        if _blank(title):
            raise DomainError("an incident needs a title", field="title")
        if _blank(description):
            raise DomainError("an incident needs a description", field="description")
        return cls(
            reference=reference,
            title=title,
            description=description,
            assess_due=assess_due,
            activate_due=activate_due,
            actor=actor,
            timestamp=at,
        )

    @event("Reported")
    def __init__(
        self,
        *,
        reference: str,
        title: str,
        description: str,
        assess_due: datetime,
        activate_due: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.reference = reference
        self.title = title
        self.description = description
        self.reported_at = timestamp
        self.reported_by = actor
        self.assess_due = assess_due
        self.activate_due = activate_due
        self.status = REPORTED
        self.level: str | None = None
        self.impact: str | None = None
        self.affected_customers: list[Customer] = []
        self.departments: list[str] = []
        self.assessed_at: datetime | None = None
        self.plan: str | None = None
        self.activated_at: datetime | None = None
        # role -> staff id of its current holder; the full record is in `role_history`.
        self.roles: dict[str, str] = {}
        self.role_history: list[dict[str, Any]] = []
        self.timeline: list[dict[str, Any]] = []
        self.milestones: dict[str, datetime] = {}
        self.mitigated_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.review_plan_due: datetime | None = None
        self.reviewed_at: datetime | None = None
        self.contributing_factors: list[str] = []
        self.went_well: list[str] = []
        self.went_badly: list[str] = []
        self.action_items: dict[str, dict[str, Any]] = {}
        self.linked_complaints: list[UUID] = []
        self.open_escalations: dict[str, str] = {}
        self.closed_at: datetime | None = None

    # -- guards -----------------------------------------------------------------------------

    def check_status(self, action: str, *allowed: str) -> None:
        self.check_not_closed(action)
        if self.status not in allowed:
            raise DomainError(
                f"cannot {action}: the incident is {self.status}; expected {' or '.join(allowed)}",
                field="status",
            )

    # -- assess -------------------------------------------------------------------------------

    def assess(
        self,
        *,
        level: str,
        impact: str,
        affected_customers: list[Customer],
        departments: list[str],
        actor: Actor,
        at: datetime,
    ) -> None:
        """Choose the response level and record the impact, who and which departments."""
        self.check_status("assess", REPORTED)
        if level not in LEVELS:
            raise DomainError(f"unknown level; expected one of {LEVELS}", field="level")
        if _blank(impact):
            raise DomainError("an assessment must describe the impact", field="impact")
        if not departments:
            raise DomainError("name at least one department involved", field="departments")
        if len(set(departments)) != len(departments):
            raise DomainError("a department is named twice", field="departments")
        subjects = [c.subject_id for c in affected_customers]
        if len(set(subjects)) != len(subjects):
            raise DomainError("a customer is named twice", field="affected_customers")
        self._assessed(
            level=level,
            impact=impact,
            affected_customers=affected_customers,
            departments=departments,
            met_deadline=at <= self.assess_due,
            actor=actor,
            timestamp=at,
        )

    @event("Assessed")
    def _assessed(
        self,
        *,
        level: str,
        impact: str,
        affected_customers: list[Customer],
        departments: list[str],
        met_deadline: bool,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.level = level
        self.impact = impact
        self.affected_customers = list(affected_customers)
        self.departments = list(departments)
        self.assessed_at = timestamp
        self.status = ASSESSED

    def change_level(self, *, level: str, reason: str, actor: Actor, at: datetime) -> None:
        """Upgrade or downgrade the response level, saying why."""
        self.check_not_closed("change the level")
        if self.level is None:
            raise DomainError("cannot change the level before the assessment", field="status")
        if self.status in (RESOLVED, REVIEWED):
            raise DomainError(
                f"cannot change the level: the incident is {self.status}", field="status"
            )
        if level not in LEVELS:
            raise DomainError(f"unknown level; expected one of {LEVELS}", field="level")
        if level == self.level:
            raise DomainError(f"the incident is already at level {level}", field="level")
        if _blank(reason):
            raise DomainError("a level change needs a reason", field="reason")
        direction = "upgrade" if severity(level) > severity(self.level) else "downgrade"
        self._level_changed(
            from_level=self.level,
            to_level=level,
            direction=direction,
            reason=reason,
            actor=actor,
            timestamp=at,
        )

    @event("LevelChanged")
    def _level_changed(
        self,
        *,
        from_level: str,
        to_level: str,
        direction: str,
        reason: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.level = to_level

    # -- respond ------------------------------------------------------------------------------

    def activate(
        self,
        *,
        plan: str,
        roles: dict[str, str],
        known_roles: tuple[str, ...],
        actor: Actor,
        at: datetime,
    ) -> None:
        """Activate the response with its plan and the people in its roles."""
        self.check_status("activate the response", ASSESSED)
        if _blank(plan):
            raise DomainError("activating the response needs a plan", field="plan")
        if "incident_lead" not in roles:
            raise DomainError("the response needs an incident_lead", field="roles")
        for role, staff_id in roles.items():
            if role not in known_roles:
                raise DomainError(f"unknown role; expected one of {known_roles}", field="roles")
            if _blank(staff_id):
                raise DomainError("a role is held by a staff id", field="roles")
        self._response_activated(
            plan=plan,
            roles=dict(roles),
            met_deadline=at <= self.activate_due,
            actor=actor,
            timestamp=at,
        )

    @event("ResponseActivated")
    def _response_activated(
        self,
        *,
        plan: str,
        roles: dict[str, str],
        met_deadline: bool,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.plan = plan
        self.activated_at = timestamp
        self.status = RESPONSE_ACTIVATED
        for role, staff_id in roles.items():
            self.roles[role] = staff_id
            self.role_history.append(
                {"role": role, "staff_id": staff_id, "from": timestamp, "until": None}
            )

    def assign_role(
        self,
        *,
        role: str,
        staff_id: str,
        known_roles: tuple[str, ...],
        actor: Actor,
        at: datetime,
    ) -> None:
        """Hand a role to someone; the previous holder's tenure ends now."""
        self.check_not_closed("assign a role")
        if self.activated_at is None:
            raise DomainError("roles are assigned when the response is activated", field="status")
        if role not in known_roles:
            raise DomainError(f"unknown role; expected one of {known_roles}", field="role")
        if _blank(staff_id):
            raise DomainError("a role is held by a staff id", field="staff_id")
        if self.roles.get(role) == staff_id:
            raise DomainError("that person already holds the role", field="staff_id")
        self._role_assigned(
            role=role,
            staff_id=staff_id,
            previous_holder=self.roles.get(role),
            actor=actor,
            timestamp=at,
        )

    @event("RoleAssigned")
    def _role_assigned(
        self,
        *,
        role: str,
        staff_id: str,
        previous_holder: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        for tenure in self.role_history:
            if tenure["role"] == role and tenure["until"] is None:
                tenure["until"] = timestamp
        self.roles[role] = staff_id
        self.role_history.append(
            {"role": role, "staff_id": staff_id, "from": timestamp, "until": None}
        )

    # -- handle -------------------------------------------------------------------------------

    def log(
        self,
        *,
        kind: str,
        text: str | None,
        personal_text: Personal | None,
        actor: Actor,
        at: datetime,
    ) -> None:
        """Log a timeline entry; allowed from the report on (handle first, report after).

        Text about one customer (a notification to them) is personal and goes in
        `personal_text`, sealed under that customer's key.
        """
        self.check_not_closed("log an entry")
        if self.status in (RESOLVED, REVIEWED):
            raise DomainError(f"cannot log an entry: the incident is {self.status}", field="status")
        if kind not in ENTRY_KINDS:
            raise DomainError(f"unknown entry kind; expected one of {ENTRY_KINDS}", field="kind")
        if (text is None) == (personal_text is None):
            raise DomainError("an entry has its text, or a customer's text", field="text")
        if (text is not None and _blank(text)) or (
            personal_text is not None and personal_text.is_blank()
        ):
            raise DomainError("an entry needs text", field="text")
        if personal_text is not None and personal_text.subject_id not in {
            c.subject_id for c in self.affected_customers
        }:
            raise DomainError("that customer is not among the affected ones", field="subject_id")
        self._entry_logged(
            kind=kind,
            text=text,
            personal_text=personal_text,
            phase=self.status,
            actor=actor,
            timestamp=at,
        )

    @event("EntryLogged")
    def _entry_logged(
        self,
        *,
        kind: str,
        text: str | None,
        personal_text: Personal | None,
        phase: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.timeline.append(
            {
                "kind": kind,
                "text": text,
                "personal_text": personal_text,
                "phase": phase,
                "by": actor.staff_id,
                "at": timestamp,
            }
        )
        if self.status == RESPONSE_ACTIVATED:
            self.status = HANDLING

    # -- milestones ---------------------------------------------------------------------------

    def set_milestone(
        self, *, name: str, occurred_at: datetime, actor: Actor, at: datetime
    ) -> None:
        """Record when something happened, possibly after the fact; the order is checked."""
        self.check_not_closed("set a milestone")
        if name not in MILESTONES:
            raise DomainError(f"unknown milestone; expected one of {MILESTONES}", field="name")
        if occurred_at.tzinfo is None:
            raise DomainError("a milestone needs a time with its timezone", field="occurred_at")
        if occurred_at > at:
            raise DomainError("a milestone cannot be in the future", field="occurred_at")
        if name in ("mitigated", "resolved") and getattr(self, f"{name}_at") is None:
            raise DomainError(
                f"the incident is not {name} yet; use the {name[:-1]} command",
                field="name",
            )
        self.check_milestone_order(name, occurred_at)
        self._milestone_set(
            name=name,
            occurred_at=occurred_at,
            previous=self.milestones.get(name),
            actor=actor,
            timestamp=at,
        )

    def check_milestone_order(self, name: str, occurred_at: datetime) -> None:
        position = MILESTONES.index(name)
        for other, when in self.milestones.items():
            other_position = MILESTONES.index(other)
            if other_position < position and when > occurred_at:
                raise DomainError(f"{name} cannot precede {other}", field="occurred_at")
            if other_position > position and when < occurred_at:
                raise DomainError(f"{name} cannot follow {other}", field="occurred_at")

    @event("MilestoneSet")
    def _milestone_set(
        self,
        *,
        name: str,
        occurred_at: datetime,
        previous: datetime | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.milestones[name] = occurred_at

    def mitigate(self, *, summary: str, actor: Actor, at: datetime) -> None:
        """The harm has stopped growing; the mitigated milestone is now, unless set earlier."""
        self.check_status("mitigate", *_ACTIVE)
        if _blank(summary):
            raise DomainError("say what mitigated the incident", field="summary")
        self.check_milestone_order("mitigated", at)
        self._mitigated(summary=summary, actor=actor, timestamp=at)

    @event("Mitigated")
    def _mitigated(self, *, summary: str, actor: Actor, timestamp: datetime) -> None:
        self.mitigated_at = timestamp
        self.milestones["mitigated"] = timestamp
        self.status = MITIGATED

    def resolve(
        self, *, summary: str, review_plan_due: datetime, actor: Actor, at: datetime
    ) -> None:
        """The incident is over; the review and its improvement plan are now owed."""
        self.check_status("resolve", MITIGATED)
        if _blank(summary):
            raise DomainError("say how the incident was resolved", field="summary")
        if self.open_escalations:
            raise DomainError(
                "cannot resolve: an escalation on it is still open", field="open_escalations"
            )
        self.check_milestone_order("resolved", at)
        self._resolved(summary=summary, review_plan_due=review_plan_due, actor=actor, timestamp=at)

    @event("Resolved")
    def _resolved(
        self, *, summary: str, review_plan_due: datetime, actor: Actor, timestamp: datetime
    ) -> None:
        self.resolved_at = timestamp
        self.milestones["resolved"] = timestamp
        self.review_plan_due = review_plan_due
        self.status = RESOLVED

    # -- review -------------------------------------------------------------------------------

    def review(
        self,
        *,
        contributing_factors: list[str],
        went_well: list[str],
        went_badly: list[str],
        actor: Actor,
        at: datetime,
    ) -> None:
        """Record the causes (several, not one root cause) and how the handling went."""
        self.check_status("review", RESOLVED)
        if not contributing_factors or any(_blank(f) for f in contributing_factors):
            raise DomainError("name the contributing factors", field="contributing_factors")
        if any(_blank(t) for t in [*went_well, *went_badly]):
            raise DomainError("an evaluation point needs text", field="went_well")
        if not went_well and not went_badly:
            raise DomainError(
                "evaluate the handling: what went well, what did not", field="went_well"
            )
        self._reviewed(
            contributing_factors=list(contributing_factors),
            went_well=list(went_well),
            went_badly=list(went_badly),
            met_deadline=self.review_plan_due is None or at <= self.review_plan_due,
            actor=actor,
            timestamp=at,
        )

    @event("Reviewed")
    def _reviewed(
        self,
        *,
        contributing_factors: list[str],
        went_well: list[str],
        went_badly: list[str],
        met_deadline: bool,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.contributing_factors = list(contributing_factors)
        self.went_well = list(went_well)
        self.went_badly = list(went_badly)
        self.reviewed_at = timestamp
        self.status = REVIEWED

    def add_action_item(
        self,
        *,
        description: str,
        owner: str,
        due: datetime,
        verify_due: datetime,
        actor: Actor,
        at: datetime,
    ) -> str:
        """Add an improvement to the plan, with its owner and due date; returns its id."""
        self.check_status("add an action item", REVIEWED)
        if _blank(description):
            raise DomainError("an action item needs a description", field="description")
        if _blank(owner):
            raise DomainError("an action item needs an owner", field="owner")
        if due.tzinfo is None or due < at:
            raise DomainError("the due date must be in the future", field="due")
        item_id = f"A{len(self.action_items) + 1}"
        self._action_item_added(
            item_id=item_id,
            description=description,
            owner=owner,
            due=due,
            verify_due=verify_due,
            actor=actor,
            timestamp=at,
        )
        return item_id

    @event("ActionItemAdded")
    def _action_item_added(
        self,
        *,
        item_id: str,
        description: str,
        owner: str,
        due: datetime,
        verify_due: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.action_items[item_id] = {
            "item_id": item_id,
            "description": description,
            "owner": owner,
            "due": due,
            "verify_due": verify_due,
            "status": ACTION_OPEN,
            "added_at": timestamp,
            "done_at": None,
            "verified_at": None,
            "verified_by": None,
            "waived_reason": None,
            "note": None,
        }

    def _item(self, item_id: str, action: str) -> dict[str, Any]:
        self.check_status(action, REVIEWED)
        item = self.action_items.get(item_id)
        if item is None:
            raise DomainError("no such action item on this incident", field="item_id")
        return item

    def complete_action_item(self, *, item_id: str, note: str, actor: Actor, at: datetime) -> None:
        """The owner reports the item done: open → done."""
        item = self._item(item_id, "complete an action item")
        if item["status"] != ACTION_OPEN:
            raise DomainError(f"the action item is {item['status']}, not open", field="item_id")
        if _blank(note):
            raise DomainError("say what was done", field="note")
        self._action_item_completed(item_id=item_id, note=note, actor=actor, timestamp=at)

    @event("ActionItemCompleted")
    def _action_item_completed(
        self, *, item_id: str, note: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.action_items[item_id].update(status=ACTION_DONE, done_at=timestamp, note=note)

    def verify_action_item(self, *, item_id: str, actor: Actor, at: datetime) -> None:
        """Someone other than the owner checks the work: done → verified."""
        item = self._item(item_id, "verify an action item")
        if item["status"] != ACTION_DONE:
            raise DomainError(f"the action item is {item['status']}, not done", field="item_id")
        if actor.staff_id == item["owner"]:
            raise DomainError("the owner cannot verify their own action item", field="item_id")
        self._action_item_verified(
            item_id=item_id, met_deadline=at <= item["verify_due"], actor=actor, timestamp=at
        )

    @event("ActionItemVerified")
    def _action_item_verified(
        self, *, item_id: str, met_deadline: bool, actor: Actor, timestamp: datetime
    ) -> None:
        self.action_items[item_id].update(
            status=ACTION_VERIFIED, verified_at=timestamp, verified_by=actor.staff_id
        )

    def waive_action_item(self, *, item_id: str, reason: str, actor: Actor, at: datetime) -> None:
        """Drop an item from the plan on purpose, saying why."""
        item = self._item(item_id, "waive an action item")
        if item["status"] in (ACTION_VERIFIED, ACTION_WAIVED):
            raise DomainError(f"the action item is already {item['status']}", field="item_id")
        if _blank(reason):
            raise DomainError("waiving an action item needs a reason", field="reason")
        self._action_item_waived(item_id=item_id, reason=reason, actor=actor, timestamp=at)

    @event("ActionItemWaived")
    def _action_item_waived(
        self, *, item_id: str, reason: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.action_items[item_id].update(status=ACTION_WAIVED, waived_reason=reason)

    def close(self, *, actor: Actor, at: datetime) -> None:
        """Close once every action item is verified or waived."""
        self.check_status("close", REVIEWED)
        pending = [
            i
            for i, item in self.action_items.items()
            if item["status"] not in (ACTION_VERIFIED, ACTION_WAIVED)
        ]
        if pending:
            raise DomainError(
                f"cannot close: action item(s) {', '.join(pending)} are neither verified nor "
                "waived",
                field="action_items",
            )
        self._closed(actor=actor, timestamp=at)

    @event("Closed")
    def _closed(self, *, actor: Actor, timestamp: datetime) -> None:
        self.status = CLOSED
        self.closed_at = timestamp

    # -- links, recorded here so the incident's own stream is complete -------------------------

    def record_complaint_linked(
        self, *, complaint_id: UUID, complaint_reference: str, actor: Actor, at: datetime
    ) -> None:
        self.check_not_closed("link a complaint")
        if complaint_id in self.linked_complaints:
            raise DomainError("the complaint is already linked", field="complaint_id")
        self._complaint_linked(
            complaint_id=complaint_id,
            complaint_reference=complaint_reference,
            actor=actor,
            timestamp=at,
        )

    @event("ComplaintLinked")
    def _complaint_linked(
        self, *, complaint_id: UUID, complaint_reference: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.linked_complaints.append(complaint_id)


# A incident's id follows from its reference (ledger/cases/references.py).
incident_id_for = INCIDENT_REFERENCES.id_for
