"""`make reliability`: every reliability scenario at full length, then one table.

    python -m tests.reliability [--short]

Prints the table and writes it, with the date and the machine, to docs/reliability.md.
"""

import argparse
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.reliability.scenarios import FULL, SHORT, Outcome, run_all
from tests.reliability.throwaway_postgres import throwaway_postgres

HEADER = (
    "| scenario | requests | errors by status | events expected / found "
    "| acknowledged missing | projections = rebuild | ledger verifies |"
)


def row(o: Outcome) -> str:
    errors = ", ".join(f"{s}: {n}" for s, n in o.errors.items()) or "none"
    return (
        f"| {o.scenario} | {o.requests} | {errors} | {o.events_expected} / {o.events_found} "
        f"| {o.acknowledged_missing} | {'yes' if o.projections_equal else 'no'} "
        f"| {'yes' if o.verifies else 'no'} |"
    )


def table(outcomes: list[Outcome]) -> str:
    lines = [HEADER, "|" + "---|" * 7]
    lines += [row(o) for o in outcomes]
    notes = [f"- {o.scenario}: {note}" for o in outcomes for note in o.notes]
    return "\n".join(lines + (["", *notes] if notes else []))


def machine() -> str:
    cpus = os.cpu_count() or 0
    return (
        f"{platform.node()}, {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI length, for a quick look")
    parser.add_argument("--output", type=Path, default=Path("docs/reliability.md"))
    args = parser.parse_args()
    length = SHORT if args.short else FULL
    with throwaway_postgres() as pg:
        outcomes = run_all(length, pg.url)
    text = table(outcomes)
    print(text)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    document = args.output.read_text() if args.output.exists() else ""
    marker = "## Latest run"
    head = document.split(marker)[0].rstrip() if marker in document else document.rstrip()
    args.output.write_text(
        f"{head}\n\n{marker}\n\n{when} on {machine()}; "
        f"{length.clients} clients, {length.seconds:g} s of load per scenario, "
        f"outage {length.outage:g} s.\n\n{text}\n"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
