"""After an incident: its review, its improvement plan (action items), and its closure."""

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.cases.case import CLOSED
from ledger.errors import DomainError
from ledger.incidents.incident_state import (
    ACTION_DONE,
    ACTION_OPEN,
    ACTION_VERIFIED,
    ACTION_WAIVED,
    RESOLVED,
    REVIEWED,
    IncidentState,
    blank,
)
from ledger.values import Actor


class IncidentReview(IncidentState):
    """The causes and the evaluation, then action items open → done → verified (or waived)."""

    class Reviewed(Aggregate.Event):
        contributing_factors: list[str]
        went_well: list[str]
        went_badly: list[str]
        met_deadline: bool
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.contributing_factors = list(self.contributing_factors)
            aggregate.went_well = list(self.went_well)
            aggregate.went_badly = list(self.went_badly)
            aggregate.reviewed_at = self.timestamp
            aggregate.status = REVIEWED

    class ActionItemAdded(Aggregate.Event):
        item_id: str
        description: str
        owner: str
        due: datetime
        verify_due: datetime
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.action_items[self.item_id] = {
                "item_id": self.item_id,
                "description": self.description,
                "owner": self.owner,
                "due": self.due,
                "verify_due": self.verify_due,
                "status": ACTION_OPEN,
                "added_at": self.timestamp,
                "done_at": None,
                "verified_at": None,
                "verified_by": None,
                "waived_reason": None,
                "note": None,
            }

    class ActionItemCompleted(Aggregate.Event):
        item_id: str
        note: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.action_items[self.item_id].update(
                status=ACTION_DONE, done_at=self.timestamp, note=self.note
            )

    class ActionItemVerified(Aggregate.Event):
        item_id: str
        met_deadline: bool
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.action_items[self.item_id].update(
                status=ACTION_VERIFIED, verified_at=self.timestamp, verified_by=self.actor.staff_id
            )

    class ActionItemWaived(Aggregate.Event):
        item_id: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.action_items[self.item_id].update(
                status=ACTION_WAIVED, waived_reason=self.reason
            )

    class Closed(Aggregate.Event):
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CLOSED
            aggregate.closed_at = self.timestamp

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
        if not contributing_factors or any(blank(f) for f in contributing_factors):
            raise DomainError("name the contributing factors", field="contributing_factors")
        if any(blank(t) for t in [*went_well, *went_badly]):
            raise DomainError("an evaluation point needs text", field="went_well")
        if not went_well and not went_badly:
            raise DomainError(
                "evaluate the handling: what went well, what did not", field="went_well"
            )
        self.trigger_event(
            type(self).Reviewed,
            contributing_factors=list(contributing_factors),
            went_well=list(went_well),
            went_badly=list(went_badly),
            met_deadline=self.review_plan_due is None or at <= self.review_plan_due,
            actor=actor,
            timestamp=at,
        )

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
        if blank(description):
            raise DomainError("an action item needs a description", field="description")
        if blank(owner):
            raise DomainError("an action item needs an owner", field="owner")
        if due.tzinfo is None or due < at:
            raise DomainError("the due date must be in the future", field="due")
        item_id = f"A{len(self.action_items) + 1}"
        self.trigger_event(
            type(self).ActionItemAdded,
            item_id=item_id,
            description=description,
            owner=owner,
            due=due,
            verify_due=verify_due,
            actor=actor,
            timestamp=at,
        )
        return item_id

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
        if blank(note):
            raise DomainError("say what was done", field="note")
        self.trigger_event(
            type(self).ActionItemCompleted, item_id=item_id, note=note, actor=actor, timestamp=at
        )

    def verify_action_item(self, *, item_id: str, actor: Actor, at: datetime) -> None:
        """Someone other than the owner checks the work: done → verified."""
        item = self._item(item_id, "verify an action item")
        if item["status"] != ACTION_DONE:
            raise DomainError(f"the action item is {item['status']}, not done", field="item_id")
        if actor.staff_id == item["owner"]:
            raise DomainError("the owner cannot verify their own action item", field="item_id")
        self.trigger_event(
            type(self).ActionItemVerified,
            item_id=item_id,
            met_deadline=at <= item["verify_due"],
            actor=actor,
            timestamp=at,
        )

    def waive_action_item(self, *, item_id: str, reason: str, actor: Actor, at: datetime) -> None:
        """Drop an item from the plan on purpose, saying why."""
        item = self._item(item_id, "waive an action item")
        if item["status"] in (ACTION_VERIFIED, ACTION_WAIVED):
            raise DomainError(f"the action item is already {item['status']}", field="item_id")
        if blank(reason):
            raise DomainError("waiving an action item needs a reason", field="reason")
        self.trigger_event(
            type(self).ActionItemWaived, item_id=item_id, reason=reason, actor=actor, timestamp=at
        )

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
        if self.open_escalations:  # as for a complaint: someone was asked to act and has not
            raise DomainError(
                "cannot close: an escalation on it is still open", field="open_escalations"
            )
        self.trigger_event(type(self).Closed, actor=actor, timestamp=at)
