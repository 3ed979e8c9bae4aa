"""The people of an incident review: who did what, and the display name of each staff id.

Names come from the staff directory at the moment the review is built (a directory entry is
changed or removed outright when someone moves or leaves, so an old review read today shows
today's names); an id the directory lacks is shown alone.
"""

from collections.abc import Iterable
from typing import Any

from ledger.staff.directory import StaffDirectory
from projections.incidents.review_timeline import words


def people_of(incident_events: Iterable[Any]) -> list[dict[str, Any]]:
    """Each staff member who acted on the incident, with their role and what they did."""
    people: dict[str, dict[str, Any]] = {}
    for event in incident_events:
        actor = getattr(event, "actor", None)
        if actor is None:
            continue
        person = people.setdefault(
            actor.staff_id, {"staff_id": actor.staff_id, "role": actor.role, "did": []}
        )
        if (what := words(type(event).__name__)) not in person["did"]:
            person["did"].append(what)
    return list(people.values())


def staff_ids_in(review: dict[str, Any]) -> set[str]:
    """Every staff id the review names: reporter, actors, role holders, owners, verifiers."""
    named = {review["reported_by"]}
    named.update(c["by"] for c in review["level_changes"])
    named.update(t["actor"] for t in review["timeline"] if t.get("actor"))
    named.update(r["staff_id"] for r in review["roles"])
    named.update(p["staff_id"] for p in review["people"])
    for item in review["action_items"]:
        named.add(item["owner"])
        if item["verified_by"]:
            named.add(item["verified_by"])
    return named


def staff_names(review: dict[str, Any], directory: StaffDirectory) -> dict[str, str]:
    """The display name of each staff id in the review that the directory knows."""
    return directory.display_names(staff_ids_in(review))
