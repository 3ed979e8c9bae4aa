"""`GET /v1/audit/operations`: the operation log, for compliance officers."""

from typing import Any

from api.http.access import access_control
from api.http.blueprint import Blueprint
from api.http.pagination import LINK_HEADER, after, paged
from api.http.problem_docs import problems
from api.http.schemas.access import OperationsOut, OperationsQuery

blp = Blueprint(
    "operations", __name__, url_prefix="/v1/audit/operations", description="Operation log"
)


@blp.route("", methods=["GET"], endpoint="query")
@blp.arguments(OperationsQuery, location="query")
@blp.response(200, OperationsOut, headers=LINK_HEADER)
@problems(blp, 400, 422)
def query(args: dict[str, Any]) -> Any:
    """Who did or read what, when, with what result (newest first, a page at a time)"""
    limit = args["limit"]
    start = after(args)
    before = args.get("before")
    if start is not None:
        before = start[0] if before is None else min(before, start[0])
    entries = access_control().oplog.query(
        staff_id=args.get("staff"),
        since=args.get("from_"),
        until=args.get("to"),
        target=args.get("target"),
        before=before,
        limit=limit + 1,  # one more than the page says whether a next page exists
    )
    more = len(entries) > limit
    entries = entries[:limit]
    last = entries[-1].seq if more else None
    body = {"entries": entries, "next_before": last}
    return paged(body, [last] if last is not None else None)
