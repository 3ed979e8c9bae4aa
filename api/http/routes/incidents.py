"""Incidents: report, one POST per command of the response and the review, reads, the review
document (JSON, Markdown, printable HTML) and the measures across incidents.

Every endpoint of the one `incidents` blueprint, so a little over 250 lines: splitting it would
mean a second blueprint (and a second OpenAPI tag) for one resource. The body an incident is
shown as is in `api/http/incident_body.py`."""

from typing import Any

from flask import Response

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.incident_body import incident_body
from api.http.one_commit import answered_in_one_commit
from api.http.paths import complaint_id, incident_id
from api.http.presenters import (
    RESOURCES,
    caller_scope,
    history_of,
    ledger,
    load,
    present,
)
from api.http.problem_docs import problems, text_answer
from api.http.request_state import request_state
from api.http.reveals import show
from api.http.schemas import common as schemas
from api.http.schemas import incident_review as review_schemas
from api.http.schemas import incidents as s
from api.http.schemas.case_bodies import EscalationOut
from projections.incidents.metrics import build_metrics
from projections.incidents.review import build_review
from projections.incidents.review_html import render_html
from projections.incidents.review_markdown import render_markdown

blp = Blueprint("incidents", __name__, url_prefix="/v1/incidents", description="Incidents")


RESOURCES["incident"] = (
    lambda app, i, v: app.get_incident(i, version=v),
    incident_body,
    s.IncidentOut,
)


def _command(
    name: str, schema: type[schemas.Strict], summary: str, *, one_commit: bool = True
) -> Any:
    """Register `POST /v1/incidents/{id}/<name>` documented with its own schema."""

    def decorate(view: Any) -> Any:
        view.__doc__ = summary
        # A command that saves what it changed once, at its end, and writes nothing after:
        # its events and the request's audit-log row go in one commit.
        held = answered_in_one_commit(view) if one_commit else view
        wrapped = blp.response(200, s.IncidentOut)(held)
        wrapped = blp.arguments(schema)(wrapped)
        wrapped = problems(blp, 404, 409, 422)(wrapped)
        endpoint = name.replace("/", "_").replace("<string:item>", "item").replace("-", "_")
        return blp.route(f"/<string:incident>/{name}", methods=["POST"], endpoint=endpoint)(wrapped)

    return decorate


@blp.route("", methods=["POST"])
@blp.arguments(s.ReportIncidentIn)
@blp.response(201, s.IncidentOut)
@problems(blp, 409, 422)
def report(args: dict[str, Any]) -> Any:
    """Report an incident: the assessment and activation deadlines start now"""
    incident = ledger().report_incident(actor=current_actor(), **args)
    return present("incident", incident), 201, {"Location": f"/v1/incidents/{incident.id}"}


@blp.route("/metrics", methods=["GET"])
@blp.arguments(review_schemas.MetricsQuery, location="query")
@blp.response(200, review_schemas.MetricsOut)
@problems(blp, 422)
def metrics(args: dict[str, Any]) -> Any:
    """Across incidents: counts, response times, deadline compliance, action items by owner"""
    app = ledger()
    return build_metrics(app, now=app.clock.now(), period=args["period"])


@blp.route("/<string:incident>", methods=["GET"])
@blp.response(200, s.IncidentOut)
@problems(blp, 404)
def read(incident: str) -> Any:
    """Read an incident's current state (by id or reference)"""
    return present("incident", load("incident", incident_id(incident)))


@blp.route("/<string:incident>/history", methods=["GET"])
@blp.response(200, schemas.HistoryOut)
@problems(blp, 404)
def history(incident: str) -> Any:
    """Read an incident's full event history, in order"""
    iid = incident_id(incident)
    return history_of("incident", iid)


def _review(incident: str) -> dict[str, Any]:
    app = ledger()
    return build_review(
        app,
        incident_id(incident),
        reveal=show,
        now=app.clock.now(),
        records=request_state().records,
        scope=caller_scope(),
    )


@blp.route("/<string:incident>/review", methods=["GET"])
@blp.response(200, review_schemas.ReviewOut)
@problems(blp, 404)
def review_json(incident: str) -> Any:
    """The post-incident review, built from the ledger: timeline, deadlines, people, plan"""
    return _review(incident)


@blp.route("/<string:incident>/review.md", methods=["GET"])
@blp.doc(**text_answer("text/markdown", "The review as a Markdown document"))
@problems(blp, 404)
def review_markdown(incident: str) -> Any:
    """The post-incident review as Markdown"""
    body = render_markdown(_review(incident))
    return Response(body, mimetype="text/markdown")


@blp.route("/<string:incident>/review.html", methods=["GET"])
@blp.doc(**text_answer("text/html", "A self-contained printable page (no scripts)"))
@problems(blp, 404)
def review_html(incident: str) -> Any:
    """The post-incident review as a printable, self-contained HTML page with a timeline chart"""
    response = Response(render_html(_review(incident)), mimetype="text/html")
    # The page needs no script and no outside resource; say so to the browser.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    return response


@blp.route("/<string:incident>/escalations", methods=["POST"])
@blp.arguments(s.IncidentEscalationIn)
@blp.response(201, EscalationOut)
@problems(blp, 404, 409, 422)
def escalate(args: dict[str, Any], incident: str) -> Any:
    """Escalate the incident to supervisor, manager or executive (skipping needs a reason)"""
    escalation = ledger().raise_incident_escalation(
        incident_id=incident_id(incident), actor=current_actor(), **args
    )
    return present("escalation", escalation), 201, {"Location": f"/v1/escalations/{escalation.id}"}


# Not in one commit: the affected customers' contacts are indexed after the save.
@_command(
    "assess",
    s.AssessIn,
    "Assess: level, impact, affected customers and departments",
    one_commit=False,
)
def assess(args: dict[str, Any], incident: str) -> Any:
    i = ledger().assess_incident(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("change-level", s.ChangeLevelIn, "Upgrade or downgrade the response level, with why")
def change_level(args: dict[str, Any], incident: str) -> Any:
    i = ledger().change_incident_level(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("activate", s.ActivateIn, "Activate the response: its plan and who holds each role")
def activate(args: dict[str, Any], incident: str) -> Any:
    i = ledger().activate_response(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("assign-role", s.AssignRoleIn, "Hand a response role to someone")
def assign_role(args: dict[str, Any], incident: str) -> Any:
    i = ledger().assign_incident_role(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("log", s.LogEntryIn, "Log a timeline entry (allowed before the assessment too)")
def log_entry(args: dict[str, Any], incident: str) -> Any:
    i = ledger().log_incident_entry(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("milestones", s.MilestoneIn, "Record when a milestone happened (after the fact too)")
def milestone(args: dict[str, Any], incident: str) -> Any:
    i = ledger().set_incident_milestone(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("mitigate", s.SummaryIn, "Record that the incident is mitigated")
def mitigate(args: dict[str, Any], incident: str) -> Any:
    i = ledger().mitigate_incident(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("resolve", s.SummaryIn, "Resolve: the review and its improvement plan are now owed")
def resolve(args: dict[str, Any], incident: str) -> Any:
    i = ledger().resolve_incident(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("review", s.ReviewIn, "Record contributing factors and the evaluation of the handling")
def review(args: dict[str, Any], incident: str) -> Any:
    i = ledger().review_incident(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("action-items", s.ActionItemIn, "Add an improvement action item with owner and due date")
def add_action_item(args: dict[str, Any], incident: str) -> Any:
    i = ledger().add_incident_action_item(incident_id(incident), actor=current_actor(), **args)
    return present("incident", i)


@_command("action-items/<string:item>/complete", s.CompleteItemIn, "Report an action item done")
def complete_action_item(args: dict[str, Any], incident: str, item: str) -> Any:
    i = ledger().complete_incident_action_item(
        incident_id(incident), item_id=item, actor=current_actor(), **args
    )
    return present("incident", i)


@_command(
    "action-items/<string:item>/verify",
    schemas.EmptyIn,
    "Verify a done action item (not its owner)",
)
def verify_action_item(_: dict[str, Any], incident: str, item: str) -> Any:
    i = ledger().verify_incident_action_item(
        incident_id(incident), item_id=item, actor=current_actor()
    )
    return present("incident", i)


@_command("action-items/<string:item>/waive", s.WaiveItemIn, "Waive an action item, saying why")
def waive_action_item(args: dict[str, Any], incident: str, item: str) -> Any:
    i = ledger().waive_incident_action_item(
        incident_id(incident), item_id=item, actor=current_actor(), **args
    )
    return present("incident", i)


@_command("close", schemas.EmptyIn, "Close: every action item must be verified or waived")
def close(_: dict[str, Any], incident: str) -> Any:
    i = ledger().close_incident(incident_id(incident), actor=current_actor())
    return present("incident", i)


@_command("complaints", s.LinkComplaintIn, "Link a complaint this incident caused (both ways)")
def link_complaint(args: dict[str, Any], incident: str) -> Any:
    i = ledger().link_complaint_to_incident(
        incident_id(incident),
        complaint_id=complaint_id(args["complaint_id"]),
        actor=current_actor(),
    )
    return present("incident", i)
