"""A case row's deadlines: which are still open, and how a wait on the customer moves them."""

from datetime import datetime

from ledger.cases.complaint import CLOSED
from ledger.policy.calendar import Calendar
from projections.engine.tables import Row


def open_dues(row: Row) -> list[datetime]:
    """The deadlines still to be met: the complaint's clocks and its open handoff's."""
    if row["status"] == CLOSED:
        return []
    dues = []
    if row["first_responded_at"] is None and row["first_response_due"] is not None:
        dues.append(row["first_response_due"])
    if row["written_replied_at"] is None and row["written_reply_due"] is not None:
        dues.append(row["written_reply_due"])
    # The current round's resolution: a reopening owes a new one (its deadline in the event).
    if row["resolved_at"] is None and row["resolution_due"] is not None:
        dues.append(row["resolution_due"])
    if row["handoff_id"] is not None:
        due = row["handoff_complete_due"] if row["handoff_accepted"] else row["handoff_accept_due"]
        if due is not None:
            dues.append(due)
    return dues


def resume_after_wait(row: Row, at: datetime, calendar: Calendar) -> None:
    """The customer replied: unmet deadlines move by the time spent waiting (counted on the
    policy's calendar), when the wait paused the clocks."""
    since = row["awaiting_customer_since"]
    pauses = row["awaiting_customer_pauses"] is not False  # NULL: a row from before the column
    row["awaiting_customer_since"] = None
    row["awaiting_customer_pauses"] = None
    if since is None or not pauses:
        return
    waited = calendar.between(since, at)
    row["paused_seconds"] = (row["paused_seconds"] or 0.0) + waited.total_seconds()
    for clock, met in (
        ("first_response", "first_responded_at"),
        ("written_reply", "written_replied_at"),
        ("resolution", "resolved_at"),
    ):
        due = row[f"{clock}_due"]
        if due is not None and row[met] is None:
            row[f"{clock}_due"] = calendar.add(due, waited)
