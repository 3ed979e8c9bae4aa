"""The incident analytics view: per incident the moments its phases ended, per action item its
owner, deadlines and status. Read by the incident figures (`projections/analytics/`)."""

from datetime import datetime
from typing import Any, ClassVar

from ledger.incidents.incident import Incident
from projections.engine.batch import BatchProjection
from projections.engine.rowset import RowSet
from projections.engine.stored_events import ProjectedEvent
from projections.engine.tables import Row, Table
from projections.engine.viewdb import ViewDatabase

INCIDENT_ANALYTICS = Table(
    name="incident_analytics",
    columns=(
        ("incident_id", "text"),
        ("reported_at", "time"),
        ("level", "text"),
        ("impact_started_at", "time"),
        ("detected_at", "time"),
        ("assessed_at", "time"),
        ("activated_at", "time"),
        ("mitigated_at", "time"),
        ("resolved_at", "time"),
    ),
    key=("incident_id",),
    partition="incident_id",
    indexes=(("reported_at", "incident_id"),),
)
ACTION_ITEMS = Table(
    name="incident_action_items",
    columns=(
        ("incident_id", "text"),
        ("item_id", "text"),
        ("owner", "text"),
        ("due", "time"),
        ("verify_due", "time"),
        ("status", "text"),
    ),
    key=("incident_id", "item_id"),
    partition="incident_id",
    indexes=(("status", "owner"),),
)
# A milestone set after the fact corrects the moment a phase ended.
_MILESTONE_COLUMNS = {
    "impact_started": "impact_started_at",
    "detected": "detected_at",
    "mitigated": "mitigated_at",
    "resolved": "resolved_at",
}
_ITEM_STATUS = {
    "Incident.ActionItemCompleted": "done",
    "Incident.ActionItemVerified": "verified",
    "Incident.ActionItemWaived": "waived",
}


class IncidentAnalyticsProjection(BatchProjection):
    """Keeps each incident's phase moments and level, and its action items."""

    name = "incident_analytics"
    tables = (INCIDENT_ANALYTICS, ACTION_ITEMS)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Incident.Reported,  # type: ignore[attr-defined]
        Incident.Assessed,
        Incident.LevelChanged,
        Incident.ResponseActivated,
        Incident.MilestoneSet,
        Incident.Mitigated,
        Incident.Resolved,
        Incident.ActionItemAdded,
        Incident.ActionItemCompleted,
        Incident.ActionItemVerified,
        Incident.ActionItemWaived,
    )

    def partition_of(self, event: ProjectedEvent) -> str:
        return str(event.originator_id)

    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        incident = str(event.originator_id)
        if event.kind == "Incident.Reported":
            row: Row = dict.fromkeys(INCIDENT_ANALYTICS.column_names)
            row.update(incident_id=incident, reported_at=event.timestamp)
            rows.put(INCIDENT_ANALYTICS.name, row)
            return
        if event.kind.startswith("Incident.ActionItem"):
            self._action_item(rows, incident, event)
            return
        found = rows.get(INCIDENT_ANALYTICS.name, incident)
        if found is None:
            return  # a stream this view never saw reported (cannot happen in one log)
        at: datetime = event.timestamp
        if event.kind == "Incident.Assessed":
            found.update(level=event.level, assessed_at=at)
        elif event.kind == "Incident.LevelChanged":
            found["level"] = event.to_level
        elif event.kind == "Incident.ResponseActivated":
            found["activated_at"] = at
        elif event.kind == "Incident.Mitigated":
            found["mitigated_at"] = at
        elif event.kind == "Incident.Resolved":
            found["resolved_at"] = at
        elif event.kind == "Incident.MilestoneSet" and event.name in _MILESTONE_COLUMNS:
            found[_MILESTONE_COLUMNS[event.name]] = event.occurred_at
        rows.touch(INCIDENT_ANALYTICS.name, found)

    def _action_item(self, rows: RowSet, incident: str, event: ProjectedEvent) -> None:
        table = ACTION_ITEMS.name
        if event.kind == "Incident.ActionItemAdded":
            rows.put(
                table,
                {
                    "incident_id": incident,
                    "item_id": event.item_id,
                    "owner": event.owner,
                    "due": event.due,
                    "verify_due": event.verify_due,
                    "status": "open",
                },
            )
            return
        item = rows.get(table, incident, event.item_id)
        if item is not None:
            item["status"] = _ITEM_STATUS[event.kind]
            rows.touch(table, item)


def incident_facts(
    db: ViewDatabase, generation: int, *, since: datetime | None, until: datetime | None
) -> list[Row]:
    """The rows of the incidents reported in [since, until)."""
    return db.select_between(INCIDENT_ANALYTICS, generation, "reported_at", since, until)


def open_action_items(db: ViewDatabase, generation: int) -> list[Row]:
    """The action items still to be done or verified, by owner."""
    table = db.physical(ACTION_ITEMS, generation)
    statement = (
        f"SELECT {ACTION_ITEMS.select_list} FROM {table} "  # noqa: S608 - our names
        "WHERE status IN ('open', 'done') ORDER BY owner, incident_id, item_id"
    )
    return db.select(ACTION_ITEMS, statement)
