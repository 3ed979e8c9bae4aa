"""Legal holds on cases, the archive and the retention report over HTTP."""

from typing import Any

from flask import current_app

from api.http.blueprint import Blueprint
from api.http.identity import current_actor
from api.http.paths import record_id
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.schemas import retention as schemas
from api.http.schemas.common import ReasonIn
from ledger.cases.complaint import Complaint
from ledger.errors import NotFoundError
from ledger.incidents.incident import Incident
from projections.retention.archive_tables import ArchiveRow, ArchiveTables
from projections.retention.run import RetentionRun

blp = Blueprint("retention", __name__, url_prefix="/v1", description="Retention and archives")


def retention() -> RetentionRun:
    run: RetentionRun = current_app.extensions["retention"]
    return run


def archive() -> ArchiveTables:
    return retention().archive


def hold_body(case: Complaint | Incident) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "kind": "complaint" if isinstance(case, Complaint) else "incident",
        "reference": case.reference,
        "legal_hold": case.legal_hold,
    }


@blp.route("/cases/<string:case>/legal-hold", methods=["POST"])
@blp.arguments(ReasonIn)
@blp.response(200, schemas.CaseHoldOut)
@problems(blp, 403, 404, 409, 422)
def place_hold(args: dict[str, Any], case: str) -> Any:
    """Place a legal hold on a complaint or incident: no retention run touches it until lifted"""
    held = ledger().place_case_hold(
        record_id(case, kind="case"), reason=args["reason"], actor=current_actor()
    )
    return hold_body(held)


@blp.route("/cases/<string:case>/legal-hold/lift", methods=["POST"])
@blp.arguments(ReasonIn)
@blp.response(200, schemas.CaseHoldOut)
@problems(blp, 403, 404, 409, 422)
def lift_hold(args: dict[str, Any], case: str) -> Any:
    """Lift a case's legal hold, saying why"""
    lifted = ledger().lift_case_hold(
        record_id(case, kind="case"), reason=args["reason"], actor=current_actor()
    )
    return hold_body(lifted)


def archive_body(row: ArchiveRow) -> dict[str, Any]:
    return {
        "case_id": row.case_id,
        "kind": row.kind,
        "closed_at": row.closed_at,
        "archived_at": row.archived_at,
        "run_id": row.run_id,
        "sha256": row.sha256,
        "record": row.record,
    }


@blp.route("/archives", methods=["GET"])
@blp.arguments(schemas.ArchiveQuery, location="query")
@blp.response(200, schemas.ArchiveListOut)
@problems(blp, 403, 422)
def list_archives(args: dict[str, Any]) -> Any:
    """Archived cases closed in a period (from inclusive, to exclusive), oldest first"""
    rows = archive().archives(
        closed_from=args["from_"].isoformat() if args.get("from_") else None,
        closed_to=args["to"].isoformat() if args.get("to") else None,
        kind=args.get("kind"),
        limit=args["limit"],
    )
    return {"archives": [archive_body(row) for row in rows]}


@blp.route("/archives/<string:case>", methods=["GET"])
@blp.response(200, schemas.ArchiveOut)
@problems(blp, 403, 404)
def get_archive(case: str) -> Any:
    """One archived case"""
    row = archive().archive(str(record_id(case, kind="archived case")))
    if row is None:
        raise NotFoundError("no archived case with that id")
    return archive_body(row)


@blp.route("/retention/report", methods=["GET"])
@blp.response(200, schemas.RetentionReportOut)
@problems(blp, 403)
def report() -> Any:
    """What is due, what is held and why, and what was archived and destroyed by month"""
    return retention_report()


def retention_report() -> dict[str, Any]:
    """The retention report's body (a dry run of the retention rules and the archive's counts);
    the console's retention page shows the same."""
    run = retention()
    plan = run.run(dry_run=True)
    months = run.archive.counts_by_month()
    return {
        "at": plan.at.isoformat(),
        "rules": run.rules.describe(),
        "due": plan.archived,
        "held": [{"case_id": s.case_id, "reason": s.reason} for s in plan.skipped],
        "archived": sum(a for a, _ in months.values()),
        "destroyed": sum(d for _, d in months.values()),
        "periods": [
            {"period": month, "archived": a, "destroyed": d}
            for month, (a, d) in sorted(months.items())
        ],
    }
