"""The weekly and monthly service reports: the last whole period's figures, tables and charts.

`build_report` reads the analytics views (caught up by the caller); `render_report` turns the
result into one self-contained HTML page (Jinja2, autoescaped; SVG drawn here, no script).
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from jinja2 import Environment, PackageLoader, Template, select_autoescape
from markupsafe import Markup

from projections.analytics.charts import bar_chart, count, hours, percent
from projections.analytics.complaints import ComplaintFigures, HotSpot, complaint_analytics
from projections.analytics.incidents import IncidentFigures, OwnerActionItems, incident_analytics
from projections.analytics.periods import last_complete, zone_of
from projections.engine.read_side import ReadSide

KINDS = {"weekly": ("week", "day"), "monthly": ("month", "week")}  # period, and its breakdown
VIEWS = ("case_analytics", "incident_analytics")


@dataclass(frozen=True)
class Report:
    kind: str
    label: str
    start: datetime
    end: datetime
    generated_at: datetime
    breakdown: str
    overall: ComplaintFigures
    by_owner: list[ComplaintFigures]
    by_time: list[ComplaintFigures]
    by_priority: list[ComplaintFigures]
    hot_spots: list[HotSpot]
    incidents: list[IncidentFigures]
    action_items: list[OwnerActionItems]


def build_report(side: ReadSide, kind: str, at: datetime) -> Report:
    """The report of the last whole week or month before `at`."""
    policy = side.app.policy
    period, breakdown = KINDS[kind]
    start, end, label = last_complete(period, at, zone_of(policy))
    db, cases = side.db, side.generation("case_analytics")

    def grouped(*dimensions: str) -> list[ComplaintFigures]:
        figures, _ = complaint_analytics(
            db, cases, policy, since=start, until=end, group_by=dimensions, period=breakdown
        )
        return figures

    [overall], spots = complaint_analytics(db, cases, policy, since=start, until=end)
    incidents, owners = incident_analytics(
        db,
        side.generation("incident_analytics"),
        policy,
        now=at,
        since=start,
        until=end,
        group_by=("level",),
    )
    return Report(
        kind=kind,
        label=label,
        start=start,
        end=end,
        generated_at=at,
        breakdown=breakdown,
        overall=overall,
        by_owner=grouped("owner"),
        by_time=grouped("period"),
        by_priority=grouped("priority"),
        hot_spots=spots,
        incidents=incidents,
        action_items=owners,
    )


def _name(figures: ComplaintFigures) -> str:
    return next(iter(figures.keys.values()), None) or "(none)"


def charts(report: Report, csat_target: float | None) -> dict[str, Markup]:
    """The page's charts, as SVG markup built from escaped text."""
    svg = {
        "volume": bar_chart(
            f"Complaints by {report.breakdown}",
            [(_name(g), g.complaints) for g in report.by_time],
            label=count,
        ),
        "csat": bar_chart(
            "Satisfied customers (CSAT) by owner",
            [(_name(g), g.csat) for g in report.by_owner],
            label=percent,
            target=csat_target,
            scale=1.0,
        ),
        "response": bar_chart(
            "First response, 90th percentile, by priority (business hours)",
            [(_name(g), g.response.p90_seconds) for g in report.by_priority],
            label=hours,
            higher_is_better=False,
        ),
        "hot_spots": bar_chart(
            "Hot spots: complaints by category",
            [(s.category or "(unclassified)", s.complaints) for s in report.hot_spots],
            label=count,
        ),
    }
    return {name: Markup(markup) for name, markup in svg.items()}  # noqa: S704 - escaped above


@cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("projections.analytics", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    environment.filters["percent"] = lambda v: "-" if v is None else percent(v)
    environment.filters["hours"] = lambda v: "-" if v is None else hours(v)
    return environment.get_template("report.html")


def render_report(report: Report, csat_target: float | None) -> str:
    """The report as one self-contained HTML page."""
    return _template().render(report=report, charts=charts(report, csat_target), name=_name)
