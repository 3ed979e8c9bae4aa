"""Reports: the latest weekly and monthly service report (`ledger report` writes them), and the
complaint figures per owner and period with a CSV file of the table shown.

Each view calls what its API endpoint calls: the report is `GET /v1/reports/latest`'s own page
(`report_page`, with its stricter CSP), the figures `GET /v1/analytics/complaints`'s own query
(`complaint_figures`) read by its query schema, and the CSV is the API's `format=csv` table.
"""

from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from api.console.blueprint import bp, page
from api.console.forms import FormError, read_form
from api.http.routes.analytics import (
    complaint_figures,
    csv_download,
    latest_report_file,
    report_page,
)
from api.http.schemas.analytics import ComplaintAnalyticsQuery, ReportQuery
from projections.analytics import csv_tables
from projections.analytics.report import KINDS

# The scorecard the page shows unless the query names another grouping.
SCORECARD = "owner,period"


def _query() -> dict[str, Any]:
    """The figures' query from the page's URL, with the scorecard grouping by default."""
    given = {name: value for name, value in request.args.items() if value}
    given.setdefault("group_by", SCORECARD)
    given.pop("format", None)  # the download is its own POST, never a query flag
    return read_form(ComplaintAnalyticsQuery, MultiDict(given))


@bp.route("/reports", methods=["GET", "POST"], endpoint="reports")
def reports() -> Response | tuple[str, int]:
    """The latest reports and the figures table (GET); the same table as CSV (POST)."""
    latest = {kind: latest_report_file(kind) for kind in KINDS}
    try:
        args = _query()
    except FormError as error:
        return page("reports.html", 422, latest=latest, table=None, errors=error.fields)
    position, groups = complaint_figures(args)
    table = csv_tables.complaint_table(args["group_by"], groups)
    if request.method == "POST":
        return csv_download("complaints", table)
    return page(
        "reports.html",
        latest=latest,
        table=table,
        position=position,
        group_by=",".join(args["group_by"]),
        period=args["period"],
        errors={},
    )


@bp.route("/reports/latest", methods=["GET"], endpoint="report")
def report() -> Response | tuple[str, int]:
    """The newest report of a kind, as the API serves it."""
    try:
        kind = read_form(ReportQuery, request.args)["kind"]
    except FormError as error:
        return page("refused.html", 422, reason="form", detail=str(error))
    return report_page(kind)
