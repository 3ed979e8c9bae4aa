"""Tamper evidence over HTTP: checkpoints, witnesses' cosignatures, the public key, inclusion
and consistency proofs, a case's evidence bundle. The same tree as C2SP tlog-tiles is `tlog.py`."""

from typing import Any
from uuid import UUID

from flask import Response, current_app

from api.http.blueprint import Blueprint
from api.http.paths import complaint_id
from api.http.problem_docs import problems, text_answer
from api.http.problems import problem
from api.http.request_state import request_state
from api.http.schemas import integrity as schemas
from ledger.access.policy import visibility_for
from ledger.integrity.checkpoints import checkpoint_document
from ledger.integrity.evidence.assemble import Exported, export_case
from ledger.integrity.service import Integrity
from ledger.integrity.witnesses import CosignatureError
from ledger.values import Actor

blp = Blueprint("integrity", __name__, url_prefix="/v1/integrity", description="Tamper evidence")


def integrity() -> Integrity:
    service: Integrity = current_app.extensions["integrity"]
    return service


@blp.route("/checkpoints", methods=["GET"])
@blp.response(200, schemas.CheckpointListOut)
@problems(blp, 403)
def list_checkpoints() -> Any:
    """Every signed checkpoint, oldest first"""
    return {"checkpoints": [checkpoint_document(c) for c in integrity().checkpoints()]}


@blp.route("/checkpoints", methods=["POST"])
@blp.response(201, schemas.CheckpointOut)
@problems(blp, 403)
def make_checkpoint() -> Any:
    """Sign the current tree head now (returns the latest if the log has not grown)"""
    return checkpoint_document(integrity().checkpoint())


@blp.route("/checkpoints/<int:number>", methods=["GET"])
@blp.response(200, schemas.CheckpointOut)
@problems(blp, 403, 404)
def get_checkpoint(number: int) -> Any:
    """One checkpoint as the small JSON document to keep outside the system"""
    return checkpoint_document(integrity().get_checkpoint(number))


@blp.route("/checkpoints/<int:number>/cosignatures", methods=["POST"])
@blp.arguments(schemas.CosignatureIn)
@blp.response(201, schemas.CheckpointOut)
@problems(blp, 403, 404, 422)
def add_cosignature(args: dict[str, Any], number: int) -> Any:
    """Add a configured witness's cosignature (tlog-cosignature v1) to a checkpoint"""
    try:
        return checkpoint_document(integrity().add_cosignature(number, args["cosignature"]))
    except CosignatureError as error:
        return problem(422, "invalid-request", str(error), field="cosignature")


@blp.route("/public-key", methods=["GET"])
@blp.response(200, schemas.PublicKeyOut)
@problems(blp)
def public_key() -> Any:
    """The Ed25519 public key that checks every checkpoint's signature"""
    return integrity().public_key_document()


@blp.route("/verifier-key", methods=["GET"])
@blp.response(200, content_type="text/plain")
@problems(blp)
def verifier_key() -> Any:
    """The public key as a signed-note verifier key (name+hash+base64), one line"""
    return Response(integrity().verifier_key() + "\n", mimetype="text/plain")


@blp.route("/proofs/inclusion", methods=["GET"])
@blp.arguments(schemas.InclusionQuery, location="query")
@blp.response(200, schemas.InclusionProofOut)
@problems(blp, 403, 404, 409)
def inclusion_proof(args: dict[str, Any]) -> Any:
    """Proof that one event (stream_id + version, or notification_id) is in a checkpoint"""
    return integrity().inclusion_proof(**args)


@blp.route("/proofs/consistency", methods=["GET"])
@blp.arguments(schemas.ConsistencyQuery, location="query")
@blp.response(200, schemas.ConsistencyProofOut)
@problems(blp, 403, 404, 409)
def consistency_proof(args: dict[str, Any]) -> Any:
    """Proof that a later checkpoint (the latest by default) extends an earlier one unchanged"""
    return integrity().consistency_proof(**args)


def export_for_caller(complaint: str) -> Exported:
    """The evidence bundle of `complaint` (an id or reference) as the caller's role sees it."""
    state = request_state()
    actor = state.actor or Actor(staff_id="-", role="")  # the access check let a caller in
    exported = export_case(
        state.ledger,
        integrity(),
        current_app.extensions["access"].oplog,
        reference=str(complaint_id(complaint)),
        actor=actor,
        visibility=visibility_for(actor.role),
        at=state.ledger.clock.now(),
    )
    # The values the bundle shows are reveals like any response's: in the request's audit row.
    for revealed in exported.revealed:
        for name in revealed["fields"]:
            state.reveal_noted(UUID(revealed["subject_id"]), name)
    return exported


@blp.route("/evidence/<string:complaint>", methods=["POST"])
@blp.doc(
    **text_answer(
        "application/x-tar",
        "The evidence bundle: a tar archive (docs/evidence-bundle.md)",
        binary=True,
    )
)
@problems(blp, 403, 404)
def evidence_bundle(complaint: str) -> Any:
    """One complaint's evidence bundle: its events, proofs, checkpoint and audit rows"""
    exported = export_for_caller(complaint)
    return Response(
        exported.archive,
        mimetype="application/x-tar",
        headers={
            "Content-Disposition": f'attachment; filename="{exported.reference}.tar"',
            "Cache-Control": "no-store",
        },
    )
