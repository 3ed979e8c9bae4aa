"""The actions a case page offers: each one form, read by the API's request schema, and one call
of the same application method the API endpoint makes.

`console.<name>` is the view's endpoint; `ledger.access.console_views.CONSOLE_VIEWS` maps it to the
API endpoint whose row judges it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from marshmallow import Schema

from api.http.schemas import common
from api.http.schemas import complaints as c
from api.http.schemas.escalations import RaiseEscalationIn
from api.http.schemas.handoffs import RequestHandoffIn
from ledger.application.service import LedgerApplication
from ledger.values import Actor

Call = Callable[[LedgerApplication, UUID, Actor, dict[str, Any]], Any]


@dataclass(frozen=True)
class Action:
    """One action on a complaint: its form's schema and the application call."""

    name: str
    schema: type[Schema]
    call: Call
    names_complaint: bool = False  # the schema asks for complaint_id (the page supplies it)


def _complaint(method: str) -> Call:
    def call(app: LedgerApplication, cid: UUID, actor: Actor, args: dict[str, Any]) -> Any:
        return getattr(app, method)(cid, actor=actor, **args)

    return call


def _escalate(app: LedgerApplication, cid: UUID, actor: Actor, args: dict[str, Any]) -> Any:
    return app.raise_escalation(
        complaint_id=cid,
        level=args["level"],
        reason=args["reason"],
        skip_reason=args.get("skip_reason"),
        actor=actor,
    )


def _hand_off(app: LedgerApplication, cid: UUID, actor: Actor, args: dict[str, Any]) -> Any:
    return app.request_handoff(
        complaint_id=cid,
        to_department=args["to_department"],
        reason=args["reason"],
        due=args.get("due"),
        actor=actor,
    )


# In the order the case page lists them: the loop's steps, then the side roads.
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("classify", c.ClassifyIn, _complaint("classify_complaint")),
        Action("assign", c.AssignIn, _complaint("assign_complaint")),
        Action("respond", c.RespondIn, _complaint("respond_to_complaint")),
        Action("notes", c.NoteIn, _complaint("note_progress")),
        Action("resolve", c.ResolveIn, _complaint("resolve_complaint")),
        Action("feedback", c.FeedbackIn, _complaint("record_feedback")),
        Action("close", c.CloseIn, _complaint("close_complaint")),
        Action("reopen", common.ReasonIn, _complaint("reopen_complaint")),
        Action("await-customer", common.ReasonIn, _complaint("await_customer")),
        Action("customer-replied", common.EmptyIn, _complaint("record_customer_reply")),
        Action("escalate", RaiseEscalationIn, _escalate, names_complaint=True),
        Action("hand-off", RequestHandoffIn, _hand_off, names_complaint=True),
        Action("hold", common.ReasonIn, _complaint("place_case_hold")),
        Action("lift-hold", common.ReasonIn, _complaint("lift_case_hold")),
    )
}
