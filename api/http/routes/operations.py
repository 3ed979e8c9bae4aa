"""`GET /v1/audit/operations`: the operation log, for compliance officers."""

from typing import Any

from flask_smorest import Blueprint

from api.http.access import access_control
from api.http.problem_docs import problems
from api.http.schemas.access import OperationsOut, OperationsQuery

blp = Blueprint(
    "operations", __name__, url_prefix="/v1/audit/operations", description="Operation log"
)


@blp.route("", methods=["GET"], endpoint="query")
@blp.arguments(OperationsQuery, location="query")
@blp.response(200, OperationsOut)
@problems(blp, 422)
def query(args: dict[str, Any]) -> Any:
    """Who did or read what, when, with what result (newest first, paged with `before`)"""
    limit = args["limit"]
    entries = access_control().oplog.query(
        staff_id=args.get("staff"),
        since=args.get("from_"),
        until=args.get("to"),
        target=args.get("target"),
        before=args.get("before"),
        limit=limit,
    )
    return {
        "entries": entries,
        "next_before": entries[-1].seq if len(entries) == limit else None,
    }
