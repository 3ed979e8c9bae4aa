"""`ledger report weekly|monthly [--at TIME]`: the last whole week's or month's service report.

A scheduler (cron, a systemd timer) runs it after the period ends; it brings the analytics views
up to date, writes `<data dir>/reports/<kind>-<label>.html` (0600), and the service shows the
newest at `GET /v1/reports/latest?kind=weekly`.
"""

import argparse
from datetime import datetime

from api.config import Settings
from ledger.errors import LedgerError
from projections.analytics.report import KINDS

COMMANDS = ("report",)


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    report = commands.add_parser("report", help="write the weekly or monthly service report")
    report.add_argument("kind", choices=tuple(KINDS))
    report.add_argument(
        "--at",
        default=None,
        help="report as of this time (ISO 8601 with its zone; default now): the last whole "
        "period before it",
    )


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LedgerError(f"--at: not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise LedgerError("--at: give the time zone too, e.g. 2026-03-16T09:00:00+00:00")
    return moment


def run(settings: Settings, args: argparse.Namespace) -> int:
    from api.wiring.ledger import build_ledger
    from projections.analytics.report import VIEWS, build_report, render_report
    from projections.analytics.report_files import write_report
    from projections.engine.read_side import ReadSide

    at = _moment(args.at) if args.at else None
    ledger = build_ledger(settings, create=False)
    try:
        side = ReadSide(ledger)
        side.catch_up(VIEWS)
        report = build_report(side, args.kind, at or ledger.clock.now())
        html = render_report(report, ledger.policy.service_targets.csat)
    finally:
        ledger.close()
    path = write_report(settings.reports_dir, args.kind, report.label, html)
    print(f"{args.kind} report {report.label} written to {path}")
    return 0
