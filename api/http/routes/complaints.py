"""Complaints: register, read, read history, and one POST per command of the five-step loop."""

from typing import Any

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.one_commit import answered_in_one_commit
from api.http.paths import complaint_id
from api.http.presenters import history_of, ledger, load, present
from api.http.problem_docs import problems
from api.http.schemas import common as schemas
from api.http.schemas.case_bodies import ComplaintOut
from api.http.schemas.complaints import (
    AssignIn,
    ClassifyIn,
    CloseIn,
    FeedbackIn,
    NoteIn,
    PromiseIn,
    RegisterComplaintIn,
    ResolveIn,
    RespondIn,
)
from ledger.cases.complaint import Complaint

blp = Blueprint("complaints", __name__, url_prefix="/v1/complaints", description="Complaints")


def _command(name: str, schema: type[schemas.Strict], summary: str) -> Any:
    """Register `POST /v1/complaints/{id}/<name>` documented with its own schema."""

    def decorate(view: Any) -> Any:
        view.__doc__ = summary
        # Each command saves the complaint once, at its end: its events and the request's
        # audit-log row go in one commit.
        wrapped = blp.response(200, ComplaintOut)(answered_in_one_commit(view))
        wrapped = blp.arguments(schema)(wrapped)
        wrapped = problems(blp, 404, 409, 422)(wrapped)
        return blp.route(f"/<string:complaint>/{name}", methods=["POST"], endpoint=name)(wrapped)

    return decorate


def register_from(args: dict[str, Any]) -> Complaint:
    """Register the complaint `args` (a `RegisterComplaintIn`) describe, as the caller."""
    customer = args["customer"]
    return ledger().register_complaint(
        channel=args["channel"],
        customer_name=customer["name"],
        customer_phone=customer.get("phone"),
        customer_email=customer.get("email"),
        customer_address=customer.get("address"),
        customer_region=customer.get("region"),
        subject_id=customer.get("subject_id"),
        summary=args["summary"],
        description=args["description"],
        department=args.get("department"),
        first_contact_at=args.get("first_contact_at"),
        actor=current_actor(),
    )


@blp.route("", methods=["POST"])
@blp.arguments(RegisterComplaintIn)
@blp.response(201, ComplaintOut)
@problems(blp, 422, 409)
def register(args: dict[str, Any]) -> Any:
    """Register a complaint (register first, then handle)"""
    complaint = register_from(args)
    return present("complaint", complaint), 201, {"Location": f"/v1/complaints/{complaint.id}"}


@blp.route("/<string:complaint>", methods=["GET"])
@blp.response(200, ComplaintOut)
@problems(blp, 404)
def read(complaint: str) -> Any:
    """Read a complaint's current state (by id or reference)"""
    return present("complaint", load("complaint", complaint_id(complaint)))


@blp.route("/<string:complaint>/history", methods=["GET"])
@blp.response(200, schemas.HistoryOut)
@problems(blp, 404)
def history(complaint: str) -> Any:
    """Read a complaint's full event history, in order: who, what, when, why"""
    cid = complaint_id(complaint)
    return history_of("complaint", cid)


@_command(
    "classify",
    ClassifyIn,
    "Classify: category, priority and customer tier set the deadlines",
)
def classify(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().classify_complaint(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command("assign", AssignIn, "Assign an owner (first taker owns it; reassigning needs a reason)")
def assign(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().assign_complaint(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command("respond", RespondIn, "Respond to the customer")
def respond(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().respond_to_complaint(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command("notes", NoteIn, "Note progress")
def notes(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().note_progress(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command("resolve", ResolveIn, "Resolve: a satisfaction survey is then owed")
def resolve(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().resolve_complaint(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command("feedback", FeedbackIn, "Record the customer's satisfaction (a low score reopens)")
def feedback(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().record_feedback(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command("reopen", schemas.ReasonIn, "Reopen a resolved complaint, saying why")
def reopen(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().reopen_complaint(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command("close", CloseIn, "Close after satisfied feedback, or with a recorded waiver")
def close(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().close_complaint(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command(
    "await-customer", schemas.ReasonIn, "Wait on the customer: the SLA clocks pause meanwhile"
)
def await_customer(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().await_customer(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command("promise", PromiseIn, "Promise the customer a reply by a time: a clock of its own")
def promise(args: dict[str, Any], complaint: str) -> Any:
    c = ledger().promise_reply(complaint_id(complaint), actor=current_actor(), **args)
    return present("complaint", c)


@_command("customer-replied", schemas.EmptyIn, "The customer replied: the SLA clocks run again")
def customer_replied(_: dict[str, Any], complaint: str) -> Any:
    c = ledger().record_customer_reply(complaint_id(complaint), actor=current_actor())
    return present("complaint", c)
