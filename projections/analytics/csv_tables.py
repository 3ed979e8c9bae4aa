"""Metric tables as flat rows, and as CSV (RFC 4180: CRLF line ends, quotes only where needed).

The tables hold staff ids, vocabularies and numbers only: no customer's personal data.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from projections.analytics.complaints import ComplaintFigures, HotSpot
from projections.analytics.incidents import PHASES, IncidentFigures, OwnerActionItems
from projections.cases.metrics import DurationStats

Table = tuple[list[str], list[list[Any]]]
_STATS = ("count", "mean_seconds", "p50_seconds", "p90_seconds")
_RATES = (
    "first_contact_resolution",
    "resolution_success",
    "csat",
    "csat_average",
    "csat_responses",
    "reopen_rate",
    "bounce_rate",
    "sla_compliance",
    "breaches",
)
# A spreadsheet runs a cell that starts like a formula; text cells never start so here.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _stats(name: str, stats: DurationStats) -> dict[str, Any]:
    return {f"{name}_{field}": getattr(stats, field) for field in _STATS}


def complaint_table(dimensions: Sequence[str], groups: Sequence[ComplaintFigures]) -> Table:
    """One row per group: its keys, counts, times, rates and each target's verdict."""
    targets = [c.figure for c in groups[0].targets] if groups else []
    header = [*dimensions, "complaints"]
    header += [f"{p}_{f}" for p in ("response", "resolution") for f in _STATS]
    header += [*_RATES]
    header += [f"{t}_{f}" for t in targets for f in ("target", "met", "by")]
    rows = []
    for group in groups:
        values: dict[str, Any] = {**group.keys, "complaints": group.complaints}
        values |= _stats("response", group.response) | _stats("resolution", group.resolution)
        values |= {name: getattr(group, name) for name in _RATES}
        for check in group.targets:
            values |= {
                f"{check.figure}_target": check.target,
                f"{check.figure}_met": check.met,
                f"{check.figure}_by": check.by,
            }
        rows.append([values.get(column) for column in header])
    return header, rows


def hot_spot_table(spots: Sequence[HotSpot]) -> Table:
    header = ["category", "complaints", "breaches", "reopened", "dissatisfied"]
    return header, [[asdict(s)[c] for c in header] for s in spots]


def incident_table(dimensions: Sequence[str], groups: Sequence[IncidentFigures]) -> Table:
    header = [*dimensions, "incidents", *(f"{p}_{f}" for p in PHASES for f in _STATS)]
    rows = []
    for group in groups:
        values: dict[str, Any] = {**group.keys, "incidents": group.incidents}
        for phase in PHASES:
            values |= _stats(phase, getattr(group, phase))
        rows.append([values.get(column) for column in header])
    return header, rows


def action_item_table(owners: Sequence[OwnerActionItems]) -> Table:
    header = ["owner", "open", "awaiting_verification", "overdue"]
    return header, [[asdict(o)[c] for c in header] for o in owners]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(table: Table) -> str:
    """The table as CSV text with a header row."""
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()
