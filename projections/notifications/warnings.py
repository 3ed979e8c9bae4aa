"""Which clocks have reached their warning time: each one a notice to raise, once.

A warning is not an event of the log but a moment a clock reached, so its notice's source is
the clock and its deadline (`clock:<record>:<clock>:<due>`): a rescheduled deadline warns anew,
a repeated tick does not. Complaint clocks warn as `sla_warning` (a handoff's acceptance as
`handoff_accept_near`); incident clocks by what they are: an assessment, activation or review
deadline near, a status update due, an action item due soon, its verification due.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledger.policy.notification_policy import NotificationPolicy
from projections.cases.sla_escalation import warned_clocks
from projections.engine.read_side import ReadSide
from projections.incidents.deadlines import warned_incident_clocks
from projections.notifications.rules import Pending

_INCIDENT_RULES = {
    "assess": "incident_deadline_near",
    "activate": "incident_deadline_near",
    "review": "incident_deadline_near",
    "status_update": "status_update_due",
    "action": "action_item_due_soon",
    "verify": "action_item_verification_due",
}


@dataclass(frozen=True)
class _Clock:
    record_kind: str
    record_id: str
    clock: str
    due: datetime
    facts: dict[str, str]


def incident_clock_rule(clock: str) -> str:
    """The warning rule of an incident clock, by its kind (`action:A1` -> action item due)."""
    return _INCIDENT_RULES[clock.partition(":")[0]]


def _clocks(read_side: ReadSide, now: datetime, limit: int) -> Iterator[tuple[str, _Clock]]:
    for row in warned_clocks(read_side.db, read_side.generation("sla"), now, limit):
        near = row["clock"].startswith("handoff_accept")
        facts = {"clock": row["clock"]}
        if row["handoff_id"]:
            facts["handoff_id"] = row["handoff_id"]
        yield (
            "handoff_accept_near" if near else "sla_warning",
            _Clock("complaint", row["complaint_id"], row["clock"], row["due_at"], facts),
        )
    generation = read_side.generation("incident_clocks")
    for row in warned_incident_clocks(read_side.db, generation, now, limit):
        kind, _, item = row["clock"].partition(":")
        facts = {"clock": row["clock"]}
        if kind in ("action", "verify"):
            facts["item_id"] = item
        yield (
            incident_clock_rule(row["clock"]),
            _Clock("incident", row["incident_id"], row["clock"], row["due_at"], facts),
        )


def due_warnings(
    read_side: ReadSide, policy: NotificationPolicy, now: datetime, limit: int
) -> list[Pending]:
    """A notice for every running clock past its warning time whose trigger is on."""
    return [
        Pending(
            source=f"clock:{clock.record_id}:{clock.clock}:{clock.due.isoformat()}",
            rule=rule,
            record_kind=clock.record_kind,
            record_id=UUID(clock.record_id),
            due=clock.due,
            facts=clock.facts,
        )
        for rule, clock in _clocks(read_side, now, limit)
        if policy.trigger(rule) is not None
    ]
