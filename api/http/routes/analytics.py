"""Service analytics over HTTP: figures per group with their targets, hot spots, incident phase
times, action items by owner (each table as JSON or CSV), and the latest scheduled report."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response, current_app, request
from marshmallow import Schema

from api.http.blueprint import Blueprint
from api.http.presenters import ledger
from api.http.problem_docs import problems, text_answer
from api.http.schemas import analytics as s
from ledger.errors import NotFoundError
from projections.analytics import csv_tables
from projections.analytics.complaints import ComplaintFigures, complaint_analytics
from projections.analytics.incidents import incident_analytics
from projections.analytics.report_files import latest_report
from projections.engine.read_side import ReadSide

blp = Blueprint("analytics", __name__, url_prefix="/v1", description="Service analytics")
CSV = "text/csv"


def _csv_too(description: str, schema: type[Schema]) -> dict[str, Any]:
    """The OpenAPI note that the same table comes as CSV (beside its JSON)."""
    content = {"application/json": {"schema": schema}, CSV: {"schema": {"type": "string"}}}
    return {"responses": {"200": {"description": description, "content": content}}}


def _read_side(*views: str) -> tuple[ReadSide, int]:
    side: ReadSide = current_app.extensions["read_side"]
    if current_app.config["LEDGER_PROJECTIONS"] == "inprocess":
        side.catch_up(views)
    return side, side.position(views[0])


def _wants_csv(args: dict[str, Any]) -> bool:
    if args["format"] is not None:
        return bool(args["format"] == "csv")
    return request.accept_mimetypes.best_match(["application/json", CSV]) == CSV


def _answer(
    args: dict[str, Any], name: str, table: Callable[[], csv_tables.Table], body: dict[str, Any]
) -> Any:
    if not _wants_csv(args):
        return body
    return csv_download(name, table())


def csv_download(name: str, table: csv_tables.Table) -> Response:
    """A table as an RFC 4180 CSV file to save (the API's `format=csv`, the console's download)."""
    response = Response(csv_tables.to_csv(table), mimetype=CSV)
    response.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _window(args: dict[str, Any], position: int) -> dict[str, Any]:
    return {
        "position": position,
        "from_": args.get("from_"),
        "to": args.get("to"),
        "group_by": list(args["group_by"]),
        "period": args["period"],
    }


@blp.route("/analytics/complaints", methods=["GET"])
@blp.arguments(s.ComplaintAnalyticsQuery, location="query")
@blp.response(200, s.ComplaintAnalyticsOut)
@blp.doc(**_csv_too("The figures per group, or the same table as CSV", s.ComplaintAnalyticsOut))
@problems(blp, 422)
def complaints(args: dict[str, Any]) -> Any:
    """Complaint figures per owner, priority, tier, region, channel, category, department or
    period, each compared with the policy's targets"""
    position, groups = complaint_figures(args)
    return _answer(
        args,
        "complaints",
        lambda: csv_tables.complaint_table(args["group_by"], groups),
        {**_window(args, position), "groups": groups},
    )


def complaint_figures(args: dict[str, Any]) -> tuple[int, list[ComplaintFigures]]:
    """The read side's position and the figures per group, for a `ComplaintAnalyticsQuery`."""
    side, position = _read_side("case_analytics")
    groups, _ = complaint_analytics(
        side.db,
        side.generation("case_analytics"),
        ledger().policy,
        since=args.get("from_"),
        until=args.get("to"),
        group_by=args["group_by"],
        period=args["period"],
    )
    return position, groups


@blp.route("/analytics/hot-spots", methods=["GET"])
@blp.arguments(s.HotSpotsQuery, location="query")
@blp.response(200, s.HotSpotsOut)
@blp.doc(**_csv_too("Every category, busiest first, or the same table as CSV", s.HotSpotsOut))
@problems(blp, 422)
def hot_spots(args: dict[str, Any]) -> Any:
    """Complaint hot spots by category: volume, breaches and rework"""
    side, position = _read_side("case_analytics")
    _, spots = complaint_analytics(
        side.db,
        side.generation("case_analytics"),
        ledger().policy,
        since=args.get("from_"),
        until=args.get("to"),
    )
    return _answer(
        args,
        "hot-spots",
        lambda: csv_tables.hot_spot_table(spots),
        {**_window({**args, "group_by": ("category",)}, position), "hot_spots": spots},
    )


def _incidents(args: dict[str, Any]) -> tuple[int, Any, Any]:
    side, position = _read_side("incident_analytics")
    app = ledger()
    groups, owners = incident_analytics(
        side.db,
        side.generation("incident_analytics"),
        app.policy,
        now=app.clock.now(),
        since=args.get("from_"),
        until=args.get("to"),
        group_by=args["group_by"],
        period=args["period"],
    )
    return position, groups, owners


@blp.route("/analytics/incidents", methods=["GET"])
@blp.arguments(s.IncidentAnalyticsQuery, location="query")
@blp.response(200, s.IncidentAnalyticsOut)
@blp.doc(**_csv_too("Phase times per group, or the same table as CSV", s.IncidentAnalyticsOut))
@problems(blp, 422)
def incidents(args: dict[str, Any]) -> Any:
    """Incident time to detect, assess, activate, mitigate and resolve, by level and period"""
    position, groups, _ = _incidents(args)
    return _answer(
        args,
        "incidents",
        lambda: csv_tables.incident_table(args["group_by"], groups),
        {**_window(args, position), "groups": groups},
    )


@blp.route("/analytics/action-items", methods=["GET"])
@blp.arguments(s.IncidentAnalyticsQuery, location="query")
@blp.response(200, s.ActionItemsOut)
@blp.doc(
    **_csv_too("Open, unverified and overdue action items per owner, or as CSV", s.ActionItemsOut)
)
@problems(blp, 422)
def action_items(args: dict[str, Any]) -> Any:
    """Incident action items still open or unverified, and those overdue, by owner"""
    position, _, owners = _incidents(args)
    return _answer(
        args,
        "action-items",
        lambda: csv_tables.action_item_table(owners),
        {"position": position, "owners": owners},
    )


@blp.route("/reports/latest", methods=["GET"])
@blp.arguments(s.ReportQuery, location="query")
@blp.doc(
    **text_answer("text/html", "The newest weekly or monthly report: a self-contained HTML page")
)
@problems(blp, 404, 422)
def latest_report_page(args: dict[str, Any]) -> Any:
    """The latest scheduled service report of a kind (written by `ledger report`)"""
    return report_page(args["kind"])


def latest_report_file(kind: str) -> Path | None:
    """The newest report of a kind `ledger report` wrote, if any."""
    directory: Path = current_app.extensions["reports_dir"]
    return latest_report(directory, kind)


def report_page(kind: str) -> Response:
    """The newest report of a kind as its own page: self-contained, so no script and no fetch."""
    path = latest_report_file(kind)
    if path is None:
        raise NotFoundError(f"no {kind} report yet (`ledger report {kind}`)")
    response = Response(path.read_text(encoding="utf-8"), mimetype="text/html")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Report"] = path.name
    return response
