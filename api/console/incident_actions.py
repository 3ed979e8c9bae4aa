"""The actions an incident page offers: each one form, read by the API endpoint's request schema,
and one call of the same application method that endpoint makes.

`console.<name>` is the view's endpoint; `ledger.access.console_views.CONSOLE_VIEWS` maps it to the
`incidents.*` endpoint whose row judges it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from marshmallow import Schema

from api.http.paths import complaint_id
from api.http.schemas import common
from api.http.schemas import incidents as s
from ledger.application.service import LedgerApplication
from ledger.values import Actor

Call = Callable[[LedgerApplication, UUID, Actor, dict[str, Any]], Any]


@dataclass(frozen=True)
class IncidentAction:
    """One action on an incident (or on one of its action items, when `on_item`)."""

    name: str  # the view's endpoint, console.<name>
    path: str  # under /console/incidents/<incident>/
    schema: type[Schema]
    call: Call
    on_item: bool = False


def _plain(method: str) -> Call:
    def call(app: LedgerApplication, iid: UUID, actor: Actor, args: dict[str, Any]) -> Any:
        return getattr(app, method)(iid, actor=actor, **args)

    return call


def _link(app: LedgerApplication, iid: UUID, actor: Actor, args: dict[str, Any]) -> Any:
    cid = complaint_id(args["complaint_id"])
    return app.link_complaint_to_incident(iid, complaint_id=cid, actor=actor)


# In the order the incident page lists them: the response's steps, then the review's.
INCIDENT_ACTIONS: dict[str, IncidentAction] = {
    a.name: a
    for a in (
        IncidentAction("incident_assess", "assess", s.AssessIn, _plain("assess_incident")),
        IncidentAction("incident_activate", "activate", s.ActivateIn, _plain("activate_response")),
        IncidentAction(
            "incident_change_level",
            "change-level",
            s.ChangeLevelIn,
            _plain("change_incident_level"),
        ),
        IncidentAction(
            "incident_assign_role", "assign-role", s.AssignRoleIn, _plain("assign_incident_role")
        ),
        IncidentAction("incident_log", "log", s.LogEntryIn, _plain("log_incident_entry")),
        IncidentAction(
            "incident_milestone", "milestones", s.MilestoneIn, _plain("set_incident_milestone")
        ),
        IncidentAction("incident_mitigate", "mitigate", s.SummaryIn, _plain("mitigate_incident")),
        IncidentAction("incident_resolve", "resolve", s.SummaryIn, _plain("resolve_incident")),
        IncidentAction("incident_link", "complaints", s.LinkComplaintIn, _link),
        IncidentAction("incident_review_save", "review", s.ReviewIn, _plain("review_incident")),
        IncidentAction(
            "incident_add_item", "action-items", s.ActionItemIn, _plain("add_incident_action_item")
        ),
        IncidentAction(
            "incident_item_complete",
            "complete",
            s.CompleteItemIn,
            _plain("complete_incident_action_item"),
            on_item=True,
        ),
        IncidentAction(
            "incident_item_verify",
            "verify",
            common.EmptyIn,
            _plain("verify_incident_action_item"),
            on_item=True,
        ),
        IncidentAction(
            "incident_item_waive",
            "waive",
            s.WaiveItemIn,
            _plain("waive_incident_action_item"),
            on_item=True,
        ),
        IncidentAction("incident_close", "close", common.EmptyIn, _plain("close_incident")),
    )
}
