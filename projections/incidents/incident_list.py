"""Every incident as its worklist shows it: `GET /v1/incidents`.

One row per incident: reference, title, status, level, the departments involved, and the
deadlines still to be met — the phase's (assessment, activation, the review's plan) in
`deadline_due`, the action items' (done by the due date, verified by the verification date) in
`action_due`, the sooner of the two in `next_due`. `parties` names who may read the incident in a
department's scope (`ledger.application.records`): the departments involved, the reporter's
department, the holders of response roles and the owners of action items, as `,d:<dept>,` and
`,s:<staff>,` entries that a list confined to a department matches.
"""

import json
from datetime import datetime
from typing import Any, ClassVar

from ledger.incidents.incident import Incident
from projections.engine.batch import BatchProjection
from projections.engine.keyset import due_order
from projections.engine.rowset import RowSet
from projections.engine.stored_events import ProjectedEvent
from projections.engine.tables import Row, Table

INCIDENT_LIST = Table(
    name="incident_list",
    columns=(
        ("incident_id", "text"),
        ("reference", "text"),
        ("title", "text"),
        ("status", "text"),
        ("level", "text"),
        ("departments", "text"),
        ("parties", "text"),
        ("roles", "text"),
        ("action_items", "text"),
        ("reported_at", "time"),
        ("assess_due", "time"),
        ("assessed_at", "time"),
        ("activate_due", "time"),
        ("activated_at", "time"),
        ("review_plan_due", "time"),
        ("reviewed_at", "time"),
        ("closed_at", "time"),
        ("deadline_due", "time"),
        ("action_due", "time"),
        ("next_due", "time"),
        ("last_activity_at", "time"),
        ("version", "int"),
    ),
    key=("incident_id",),
    partition="incident_id",
    indexes=(
        ("reported_at", "incident_id"),
        ("status", "reported_at", "incident_id"),
        ("level", "reported_at", "incident_id"),
        ("reference",),
    ),
    expression_indexes=(("due_order", f"({due_order('next_due')}), incident_id"),),
)
_STATUS_AFTER = {
    "Incident.Assessed": "assessed",
    "Incident.ResponseActivated": "response_activated",
    "Incident.Mitigated": "mitigated",
    "Incident.Resolved": "resolved",
    "Incident.Reviewed": "reviewed",
    "Incident.Closed": "closed",
}


def _open_action_due(items: dict[str, dict[str, Any]]) -> datetime | None:
    """The soonest action-item deadline still to be met: done by `due`, verified by
    `verify_due`."""
    dues = [
        datetime.fromisoformat(item["due" if item["status"] == "open" else "verify_due"])
        for item in items.values()
        if item["status"] in ("open", "done")
    ]
    return min(dues, default=None)


def _phase_due(row: Row) -> datetime | None:
    """The deadline of the phase the incident is in, while it is unmet."""
    if row["status"] == "closed":
        return None
    if row["assessed_at"] is None:
        return row["assess_due"]  # type: ignore[no-any-return]
    if row["activated_at"] is None:
        return row["activate_due"]  # type: ignore[no-any-return]
    if row["reviewed_at"] is None:
        return row["review_plan_due"]  # type: ignore[no-any-return]
    return None


class IncidentListProjection(BatchProjection):
    """Keeps one row per incident: status, level, who is involved and what is due."""

    name = "incident_list"
    tables = (INCIDENT_LIST,)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Incident.Reported,  # type: ignore[attr-defined]
        Incident.Assessed,
        Incident.LevelChanged,
        Incident.ResponseActivated,
        Incident.RoleAssigned,
        Incident.EntryLogged,
        Incident.Mitigated,
        Incident.Resolved,
        Incident.Reviewed,
        Incident.ActionItemAdded,
        Incident.ActionItemCompleted,
        Incident.ActionItemVerified,
        Incident.ActionItemWaived,
        Incident.Closed,
    )

    def partition_of(self, event: ProjectedEvent) -> str:
        return str(event.originator_id)

    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        table = INCIDENT_LIST.name
        if event.kind == "Incident.Reported":
            row: Row = dict.fromkeys(INCIDENT_LIST.column_names)
            row.update(
                incident_id=str(event.originator_id),
                reference=event.reference,
                title=event.title,
                status="reported",
                departments=",",
                roles="{}",
                action_items="{}",
                reported_at=event.timestamp,
                assess_due=event.assess_due,
                activate_due=event.activate_due,
            )
            row["parties"] = _parties(row, event.actor.department)
            rows.put(table, row)
        else:
            found = rows.get(table, str(event.originator_id))
            if found is None:
                return  # a stream this view never saw reported (cannot happen in one log)
            row = found
            self._changed(row, event)
        row["deadline_due"] = _phase_due(row)
        row["action_due"] = _open_action_due(json.loads(row["action_items"]))
        dues = [d for d in (row["deadline_due"], row["action_due"]) if d is not None]
        row["next_due"] = min(dues, default=None)
        row["last_activity_at"] = event.timestamp
        row["version"] = event.originator_version
        rows.touch(table, row)

    def _changed(self, row: Row, event: ProjectedEvent) -> None:
        at = event.timestamp
        row["status"] = _STATUS_AFTER.get(event.kind, row["status"])
        if event.kind == "Incident.Assessed":
            row.update(level=event.level, assessed_at=at)
            row["departments"] = "," + "".join(f"{d}," for d in event.departments)
        elif event.kind == "Incident.LevelChanged":
            row["level"] = event.to_level
        elif event.kind == "Incident.ResponseActivated":
            row.update(activated_at=at, roles=json.dumps(event.roles, sort_keys=True))
        elif event.kind == "Incident.RoleAssigned":
            roles = json.loads(row["roles"])
            roles[event.role] = event.staff_id
            row["roles"] = json.dumps(roles, sort_keys=True)
        elif event.kind == "Incident.EntryLogged" and row["status"] == "response_activated":
            row["status"] = "handling"
        elif event.kind == "Incident.Resolved":
            row["review_plan_due"] = event.review_plan_due
        elif event.kind == "Incident.Reviewed":
            row["reviewed_at"] = at
        elif event.kind == "Incident.Closed":
            row["closed_at"] = at
        elif event.kind.startswith("Incident.ActionItem"):
            self._action_item(row, event)
        reporter = next((p[2:] for p in row["parties"].split(",") if p.startswith("r:")), None)
        row["parties"] = _parties(row, reporter)

    def _action_item(self, row: Row, event: ProjectedEvent) -> None:
        items = json.loads(row["action_items"])
        if event.kind == "Incident.ActionItemAdded":
            items[event.item_id] = {
                "owner": event.owner,
                "due": event.due.isoformat(),
                "verify_due": event.verify_due.isoformat(),
                "status": "open",
            }
        elif event.item_id in items:
            status = {
                "Incident.ActionItemCompleted": "done",
                "Incident.ActionItemVerified": "verified",
                "Incident.ActionItemWaived": "waived",
            }[event.kind]
            items[event.item_id]["status"] = status
        row["action_items"] = json.dumps(items, sort_keys=True)


def _parties(row: Row, reporter_department: str | None) -> str:
    """Who may read the incident in a department's scope, as `,kind:value,` entries."""
    departments = {d for d in row["departments"].split(",") if d}
    staff = set(json.loads(row["roles"]).values())
    staff |= {item["owner"] for item in json.loads(row["action_items"]).values()}
    if reporter_department is not None:
        departments.add(reporter_department)
    entries = [f"d:{d}" for d in sorted(departments)]
    entries += [f"s:{s}" for s in sorted(staff)]
    if reporter_department is not None:
        entries.append(f"r:{reporter_department}")  # kept to recompute the entries later
    return "," + "".join(f"{e}," for e in entries)
