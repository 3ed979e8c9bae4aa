"""The response to an incident: assess it, change its level, activate it, hand out its roles."""

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.errors import DomainError, InvalidValueError
from ledger.incidents.incident_state import (
    ASSESSED,
    LEVELS,
    REPORTED,
    RESOLVED,
    RESPONSE_ACTIVATED,
    REVIEWED,
    IncidentState,
    blank,
    severity,
)
from ledger.values import Actor, Customer


class IncidentResponse(IncidentState):
    """The assessment, the response level, and who holds which role in the response."""

    class Assessed(Aggregate.Event):
        level: str
        impact: str
        affected_customers: list[Customer]
        departments: list[str]
        met_deadline: bool
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.level = self.level
            aggregate.impact = self.impact
            aggregate.affected_customers = list(self.affected_customers)
            aggregate.departments = list(self.departments)
            aggregate.assessed_at = self.timestamp
            aggregate.status = ASSESSED

    class LevelChanged(Aggregate.Event):
        from_level: str
        to_level: str
        direction: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.level = self.to_level

    class ResponseActivated(Aggregate.Event):
        plan: str
        roles: dict[str, str]
        met_deadline: bool
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.plan = self.plan
            aggregate.activated_at = self.timestamp
            aggregate.status = RESPONSE_ACTIVATED
            for role, staff_id in self.roles.items():
                aggregate.roles[role] = staff_id
                aggregate.role_history.append(
                    {"role": role, "staff_id": staff_id, "from": self.timestamp, "until": None}
                )

    class RoleAssigned(Aggregate.Event):
        role: str
        staff_id: str
        previous_holder: str | None
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            for tenure in aggregate.role_history:
                if tenure["role"] == self.role and tenure["until"] is None:
                    tenure["until"] = self.timestamp
            aggregate.roles[self.role] = self.staff_id
            aggregate.role_history.append(
                {
                    "role": self.role,
                    "staff_id": self.staff_id,
                    "from": self.timestamp,
                    "until": None,
                }
            )

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
            raise InvalidValueError(f"unknown level; expected one of {LEVELS}", field="level")
        if blank(impact):
            raise DomainError("an assessment must describe the impact", field="impact")
        if not departments:
            raise DomainError("name at least one department involved", field="departments")
        if len(set(departments)) != len(departments):
            raise DomainError("a department is named twice", field="departments")
        subjects = [c.subject_id for c in affected_customers]
        if len(set(subjects)) != len(subjects):
            raise DomainError("a customer is named twice", field="affected_customers")
        self.trigger_event(
            type(self).Assessed,
            level=level,
            impact=impact,
            affected_customers=affected_customers,
            departments=departments,
            met_deadline=at <= self.assess_due,
            actor=actor,
            timestamp=at,
        )

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
            raise InvalidValueError(f"unknown level; expected one of {LEVELS}", field="level")
        if level == self.level:
            raise DomainError(f"the incident is already at level {level}", field="level")
        if blank(reason):
            raise DomainError("a level change needs a reason", field="reason")
        direction = "upgrade" if severity(level) > severity(self.level) else "downgrade"
        self.trigger_event(
            type(self).LevelChanged,
            from_level=self.level,
            to_level=level,
            direction=direction,
            reason=reason,
            actor=actor,
            timestamp=at,
        )

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
        if blank(plan):
            raise DomainError("activating the response needs a plan", field="plan")
        if "incident_lead" not in roles:
            raise DomainError("the response needs an incident_lead", field="roles")
        for role, staff_id in roles.items():
            if role not in known_roles:
                raise InvalidValueError(
                    f"unknown role; expected one of {known_roles}", field="roles"
                )
            if blank(staff_id):
                raise DomainError("a role is held by a staff id", field="roles")
        self.trigger_event(
            type(self).ResponseActivated,
            plan=plan,
            roles=dict(roles),
            met_deadline=at <= self.activate_due,
            actor=actor,
            timestamp=at,
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
            raise InvalidValueError(f"unknown role; expected one of {known_roles}", field="role")
        if blank(staff_id):
            raise DomainError("a role is held by a staff id", field="staff_id")
        if self.roles.get(role) == staff_id:
            raise DomainError("that person already holds the role", field="staff_id")
        self.trigger_event(
            type(self).RoleAssigned,
            role=role,
            staff_id=staff_id,
            previous_holder=self.roles.get(role),
            actor=actor,
            timestamp=at,
        )
