"""Data subjects: erasure by crypto-shredding, and legal holds that keep a person from erasure."""

from typing import Any

from flask_smorest import Blueprint

from api.http.identity import current_actor
from api.http.paths import record_id
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.schemas import common as schemas
from api.http.schemas import subjects as subjects_schemas
from ledger.subjects.subject import DataSubject

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
