"""An incident's deadlines as clocks: one past its warning mark, and a missed one, are each
recorded once, on the incident's stream.

The clocks, by name: `assess` and `activate` (from the report), `review` (from the resolution,
in working days), `action:<item>` (an action item's due date), `verify:<item>` (its
verification, a month after it was added) and `status_update:<since>` (the next status update
the response level asks for, counted from the activation or the last update, `since` in ISO
form). The read side (projections/incidents/clocks.py) keeps them and finds the overdue ones;
this module says when a clock is met, and `ledger.cases.case.Case` whether a warning or a
breach may still be recorded, so a repeat changes nothing.
"""

from datetime import datetime

from ledger.cases.case import ClockEvent
from ledger.incidents.incident_state import (
    ACTION_DONE,
    ACTION_OPEN,
    HANDLING,
    MITIGATED,
    RESPONSE_ACTIVATED,
    IncidentState,
)

# While the response runs, status updates are owed at the level's interval.
UPDATES_OWED = (RESPONSE_ACTIVATED, HANDLING, MITIGATED)


class IncidentClocks(IncidentState):
    """The warnings and breaches of an incident's deadlines, each recorded once."""

    class DeadlineWarned(ClockEvent):
        kept_in = "warnings"

    class DeadlineBreached(ClockEvent):
        kept_in = "breaches"

    def _clock_met(self, clock: str) -> bool:
        kind, _, key = clock.partition(":")
        if kind == "assess":
            return self.assessed_at is not None
        if kind == "activate":
            return self.activated_at is not None
        if kind == "review":
            return self.review_plan_due is None or self.reviewed_at is not None
        if kind in ("action", "verify"):
            item = self.action_items.get(key)
            owed = (ACTION_OPEN,) if kind == "action" else (ACTION_OPEN, ACTION_DONE)
            return item is None or item["status"] not in owed
        if kind == "status_update":
            since = datetime.fromisoformat(key)
            updated = any(
                entry["kind"] == "status_update" and entry["at"] > since for entry in self.timeline
            )
            return updated or self.status not in UPDATES_OWED
        return True  # a clock this incident never ran
