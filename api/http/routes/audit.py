"""Audit reads: who saw whose personal data; whether the ledger is intact."""

from dataclasses import asdict
from typing import Any
from uuid import UUID

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.pagination import LINK_HEADER, after, paged
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.routes.integrity import integrity
from api.http.schemas import audit as audit_schemas
from api.http.schemas.integrity import VerificationOut, VerificationQuery
from ledger.audit.access_log import Access

blp = Blueprint("audit", __name__, url_prefix="/v1/audit", description="Audit")
NOBODY = UUID(int=0)


@blp.route("/access-log", methods=["GET"])
@blp.arguments(audit_schemas.AccessLogQuery, location="query")
@blp.response(200, audit_schemas.AccessLogOut, headers=LINK_HEADER)
@problems(blp, 400, 403, 422)
def access_log(args: dict[str, Any]) -> Any:
    """Who saw whose personal data, when and through what (newest first, a page at a time)"""
    app = ledger()
    start = after(args)
    entries, last = app.access_log.page(
        subject_id=args.get("subject_id"),
        staff_id=args.get("staff_id"),
        since=args.get("from_"),
        until=args.get("to"),
        limit=args["limit"],
        after=(start[0], start[1]) if start else None,
    )
    actor = current_actor()
    # Reading the access log is itself an access to be accounted for.
    app.access_log.record(
        [
            Access(
                at=app.clock.now(),
                staff_id=actor.staff_id,
                role=actor.role,
                subject_id=args.get("subject_id") or NOBODY,
                fields=("access_log",),
                purpose="GET /v1/audit/access-log",
            )
        ]
    )
    return paged({"entries": entries}, list(last) if last else None)


@blp.route("/verification", methods=["GET"])
@blp.arguments(VerificationQuery, location="query")
@blp.response(200, VerificationOut)
@problems(blp, 403)
def verification(args: dict[str, Any]) -> Any:
    """Recompute every chain and the tree, check every checkpoint: OK, or every break"""
    service = integrity()
    service.update_tree()
    report = service.verify(
        stream=args.get("stream"),
        up_to_checkpoint=args.get("up_to_checkpoint"),
    )
    body = asdict(report)
    body["intact"] = report.intact
    return body
