"""Data subjects: erasure by crypto-shredding."""

from typing import Any

from flask_smorest import Blueprint

from api import schemas
from api.identity import current_actor, require_role
from api.paths import record_id
from api.presenters import ledger

blp = Blueprint("subjects", __name__, url_prefix="/v1/subjects", description="Data subjects")


@blp.route("/<string:subject>/erasure", methods=["POST"])
@blp.arguments(schemas.ErasureIn)
@blp.response(201, schemas.ErasureOut)
@blp.alt_response(403, schema=schemas.ProblemOut)
@blp.alt_response(409, schema=schemas.ProblemOut)
@blp.alt_response(422, schema=schemas.ProblemOut)
def erase(args: dict[str, Any], subject: str) -> Any:
    """Erase a person: destroy their key, so every record of theirs reads as erased"""
    require_role("privacy_officer")
    subject_id = record_id(subject, kind="data subject")
    erased = ledger().erase_subject(
        subject_id, legal_basis=args["legal_basis"], actor=current_actor()
    )
    return {
        "subject_id": erased.subject_id,
        "legal_basis": erased.legal_basis,
        "erased_at": erased.erased_at,
        "erased_by": erased.erased_by.staff_id,
    }
