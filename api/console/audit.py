"""Audit: search the audit log, checkpoints and their downloads (the C2SP note, the verifier key,
proofs), a verification run and its result, a case's evidence bundle.

Each view calls what its API endpoint calls: the operation log's `query` (as
`GET /v1/audit/operations`), the `Integrity` service (as `/v1/integrity/*` and
`GET /v1/audit/verification`) and `export_for_caller` (as
`POST /v1/integrity/evidence/<complaint>`).
"""

import json
from typing import Any

from flask import Response, request
from werkzeug.wrappers import Response as BaseResponse

from api.console.blueprint import bp, page
from api.console.forms import FormError, read_form
from api.http.access import access_control
from api.http.request_state import request_state
from api.http.routes.integrity import export_for_caller, integrity
from api.http.schemas.access import OperationsQuery
from api.http.schemas.integrity import ConsistencyQuery, InclusionQuery
from ledger.audit.log_rows import LoggedOperation
from ledger.errors import DomainError, NotFoundError
from ledger.integrity.checkpoints import checkpoint_document, note_text

# The operations whose audit rows record a verification; the console's names its result in
# the row's target ("verification:intact" or "verification:broken"), under the log's chain.
VERIFICATIONS = ("console.verify", "audit.verification")


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _reveals(entry: LoggedOperation) -> list[dict[str, Any]]:
    """Whose fields the request revealed: [at, staff, role, subject, fields, purpose] rows."""
    if not entry.reveals:
        return []
    return [{"subject_id": r[3], "fields": r[4]} for r in json.loads(entry.reveals)]


@bp.route("/audit", methods=["GET"], endpoint="audit")
def audit_log() -> tuple[str, int]:
    """Search the audit log: who did or read what, when, with what result, newest first."""
    try:
        args = read_form(OperationsQuery, request.args)
    except FormError as error:
        return page("audit.html", 422, entries=[], errors=error.fields, query=request.args)
    limit = args["limit"]
    entries = access_control().oplog.query(
        staff_id=args.get("staff"),
        since=args.get("from_"),
        until=args.get("to"),
        target=args.get("target"),
        before=args.get("before"),
        limit=limit + 1,  # one more than the page says whether an older page exists
    )
    older = entries[limit - 1].seq if len(entries) > limit else None
    rows = [{"entry": e, "reveals": _reveals(e)} for e in entries[:limit]]
    return page("audit.html", entries=rows, older=older, errors={}, query=request.args)


def last_verification() -> LoggedOperation | None:
    """The audit row of the latest verification anyone ran (console or API)."""
    found = access_control().oplog.query(
        limit=1,
        where=(("operation = ANY(%s)", list(VERIFICATIONS)), ("result = %s", "allowed")),
    )
    return found[0] if found else None


@bp.route("/audit/checkpoints", methods=["GET"], endpoint="checkpoints")
def checkpoints() -> tuple[str, int]:
    """Every signed checkpoint, newest first, with its downloads and the proof forms."""
    found = [checkpoint_document(c) for c in integrity().checkpoints()]
    return page("checkpoints.html", checkpoints=list(reversed(found)), last=last_verification())


@bp.route("/audit/checkpoints", methods=["POST"], endpoint="make_checkpoint")
def make_checkpoint() -> tuple[str, int]:
    """Sign the current tree head now (the latest again if the log has not grown)."""
    made = checkpoint_document(integrity().checkpoint())
    found = [checkpoint_document(c) for c in integrity().checkpoints()]
    return page(
        "checkpoints.html",
        checkpoints=list(reversed(found)),
        last=last_verification(),
        made=made,
    )


@bp.route("/audit/checkpoints/<int:number>", methods=["GET"], endpoint="checkpoint_note")
def checkpoint_download(number: int) -> Response:
    """One checkpoint: its C2SP signed note (`?format=note`, the default) or JSON document."""
    checkpoint = integrity().get_checkpoint(number)
    if request.args.get("format") == "json":
        document = json.dumps(checkpoint_document(checkpoint), indent=2)
        return _download(document, "application/json", f"checkpoint-{number}.json")
    if checkpoint.origin is None:  # signed before notes existed: only the JSON document
        raise NotFoundError("this checkpoint has no signed note; download its JSON document")
    return _download(note_text(checkpoint), "text/plain", f"checkpoint-{number}.note")


@bp.route("/audit/verifier-key", methods=["GET"], endpoint="verifier_key")
def verifier_key() -> Response:
    """The signed-note verifier key that checks every checkpoint, one line."""
    return _download(integrity().verifier_key() + "\n", "text/plain", "verifier-key.txt")


def _proof(schema: Any, make: Any, filename: str) -> BaseResponse | tuple[str, int]:
    try:
        proof = make(**read_form(schema, request.args))
    except FormError as error:
        return page("refused.html", 422, reason="form", detail=str(error))
    except DomainError as error:
        return page("refused.html", 409, reason="ledger", detail=str(error))
    return _download(json.dumps(proof, indent=2, default=str), "application/json", filename)


@bp.route("/audit/proofs/consistency", methods=["GET"], endpoint="consistency_proof")
def consistency_proof() -> BaseResponse | tuple[str, int]:
    """Download a proof that a later checkpoint extends an earlier one unchanged."""
    return _proof(ConsistencyQuery, integrity().consistency_proof, "consistency-proof.json")


@bp.route("/audit/proofs/inclusion", methods=["GET"], endpoint="inclusion_proof")
def inclusion_proof() -> BaseResponse | tuple[str, int]:
    """Download a proof that one event is in a checkpoint."""
    return _proof(InclusionQuery, integrity().inclusion_proof, "inclusion-proof.json")


@bp.route("/audit/verification", methods=["POST"], endpoint="verify")
def verify() -> tuple[str, int]:
    """Recompute every chain and the tree, check every checkpoint; show what was found."""
    service = integrity()
    service.update_tree()
    report = service.verify()
    outcome = "intact" if report.intact else "broken"
    request_state().presented = f"verification:{outcome}:{len(report.breaks)}"
    return page("verification.html", report=report)


@bp.route("/cases/<string:complaint>/evidence", methods=["POST"], endpoint="evidence")
@bp.route("/audit/evidence", methods=["POST"], endpoint="evidence")
def evidence(complaint: str | None = None) -> BaseResponse | tuple[str, int]:
    """Prove this history: the case's evidence bundle (a tar) to check offline."""
    named = complaint or request.form.get("complaint", "").strip()
    if not named:
        return page("refused.html", 422, reason="form", detail="complaint: name a case")
    exported = export_for_caller(named)
    return _download(exported.archive, "application/x-tar", f"{exported.reference}.tar")


def integrity_status() -> dict[str, Any]:
    """A compliance officer's My work: the latest checkpoint, the last verification and what it
    found (intact or broken, from its audit row; an API run's row names no outcome)."""
    found = integrity().checkpoints()
    last = last_verification()
    outcome = None
    if last is not None and last.target.startswith("verification:"):
        outcome = last.target.removeprefix("verification:")
    return {
        "checkpoint": checkpoint_document(found[-1]) if found else None,
        "verification": last,
        "outcome": outcome,
    }
