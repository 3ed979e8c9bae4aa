"""Data subjects: erasure by crypto-shredding, legal holds, lookup by contact, the access export."""

from typing import Any
from uuid import UUID

from flask import Response

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.paths import record_id
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.problems import problem
from api.http.request_state import request_state
from api.http.schemas import common as schemas
from api.http.schemas import subjects as subjects_schemas
from api.http.subject_access_page import render_page
from ledger.subjects.subject import DataSubject
from privacy.keys.keystore import SubjectErasedError

blp = Blueprint("subjects", __name__, url_prefix="/v1/subjects", description="Data subjects")


@blp.route("/<string:subject>/erasure", methods=["POST"])
@blp.arguments(subjects_schemas.ErasureIn)
@blp.response(201, subjects_schemas.ErasureOut)
@problems(blp, 403, 409, 422)
def erase(args: dict[str, Any], subject: str) -> Any:
    """Erase a person: destroy their key, so every record of theirs reads as erased"""
    subject_id = record_id(subject, kind="data subject")
    erased = ledger().erase_subject(
        subject_id, legal_basis=args["legal_basis"], actor=current_actor()
    )
    return subject_body(erased)


def subject_body(subject: DataSubject) -> dict[str, Any]:
    return {
        "subject_id": subject.subject_id,
        "legal_hold": subject.hold_reason,
        "legal_basis": subject.legal_basis,
        "erased_at": subject.erased_at,
        "erased_by": subject.erased_by.staff_id if subject.erased_by else None,
    }


@blp.route("/<string:subject>/legal-hold", methods=["POST"])
@blp.arguments(schemas.ReasonIn)
@blp.response(200, subjects_schemas.ErasureOut)
@problems(blp, 403, 409, 422)
def place_hold(args: dict[str, Any], subject: str) -> Any:
    """Place a legal hold: the person's data may not be erased until it is lifted"""
    held = ledger().place_legal_hold(
        record_id(subject, kind="data subject"), reason=args["reason"], actor=current_actor()
    )
    return subject_body(held)


@blp.route("/<string:subject>/legal-hold/lift", methods=["POST"])
@blp.arguments(schemas.ReasonIn)
@blp.response(200, subjects_schemas.ErasureOut)
@problems(blp, 403, 409, 422)
def lift_hold(args: dict[str, Any], subject: str) -> Any:
    """Lift a legal hold, saying why"""
    lifted = ledger().lift_legal_hold(
        record_id(subject, kind="data subject"), reason=args["reason"], actor=current_actor()
    )
    return subject_body(lifted)


@blp.route("/lookup", methods=["POST"])
@blp.arguments(subjects_schemas.LookupIn)
@blp.response(200, subjects_schemas.LookupOut)
@problems(blp, 403, 422)
def lookup(args: dict[str, Any]) -> Any:
    """Find a person by their exact phone number or e-mail (a keyed blind index)"""
    found = ledger().find_subjects(args["kind"], args["value"])
    return {"subjects": [{"subject_id": s, "records": records} for s, records in found]}


@blp.route("/<string:subject>/access-export", methods=["POST"])
@blp.arguments(subjects_schemas.AccessExportQuery, location="query")
@blp.response(200, subjects_schemas.AccessExportOut)
# Both media types of the one 200 (an alternative response of the same status would replace it).
@blp.doc(
    responses={
        "200": {
            "description": "The values as JSON, or as a readable page with `format=html`",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/AccessExportOut"}},
                "text/html": {"schema": {"type": "string"}},
            },
        }
    }
)
@problems(blp, 403, 410, 422)
def access_export(args: dict[str, Any], subject: str) -> Any:
    """Every personal value held about a person, with its source (the right of access)"""
    try:
        return access_export_answer(record_id(subject, kind="data subject"), args["format"])
    except SubjectErasedError:
        return problem(
            410,
            "subject-erased",
            "the person was erased: the ledger holds no readable data of theirs",
        )


def access_export_answer(subject_id: UUID, format_: str) -> Response | dict[str, Any]:
    """The access export as an HTML page, or the body of its JSON (`AccessExportOut`); every
    value shown noted as a reveal for the request's audit row. The API route and the console's
    download both answer with this. Raises `SubjectErasedError` once the person is erased."""
    state = request_state()
    values = state.ledger.subject_access(subject_id)
    for value in values:  # every value shown is a reveal, in the request's audit row
        state.reveal_noted(subject_id, value.field)
    now = state.ledger.clock.now()
    if format_ == "html":
        return Response(render_page(subject_id, now, values), mimetype="text/html")
    return {"subject_id": subject_id, "exported_at": now, "values": values}
