"""A served ledger of many worked cases: the console's and the HTTP lists' data set.

`events // 5` cases (200 k in the full run, as many as the large ledger holds), each
registered, classified, assigned and noted (tests/bench/generate.py), over every department,
plus a few incidents; the read models built before `ledger serve` starts, which then serves
them as production's API processes do (projections kept current elsewhere: off here).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from api.config import Settings
from api.wiring.ledger import build_ledger
from ledger.values import Actor
from projections.cases.status_view import CASE_STATUS
from projections.engine.read_side import ReadSide
from tests.bench.database import fresh_schema, url_for
from tests.bench.generate import generate_worked_cases
from tests.bench.identity import mint_token
from tests.bench.server import BENCH_MASTER_KEY, BENCH_SIGNING_KEY, Server, ledger_server

PER_CASE = 5  # as the large ledger counts: `events // PER_CASE` cases
AGENT = "bench-agent"  # the agent BENCH_TOKEN names (tests/bench/identity.py)
OWNERS = (AGENT, *(f"bench-agent-{n}" for n in range(2, 51)))  # the agent owns one case in 50
DEPARTMENT = "service"
INCIDENTS = 30
SAMPLE = 2_000  # the cases the clients pick from


@dataclass(frozen=True)
class CaseSet:
    """The served ledger, what it holds, and a department staff member's token for it."""

    server: Server
    cases: int
    sample: list[tuple[str, str]]  # (complaint id, reference) of cases spread over the set
    staff_token: str  # department_staff of DEPARTMENT


def case_count(events: int) -> int:
    return max(1, events // PER_CASE)


@contextmanager
def served_cases(scratch: Path, *, cases: int, clients: int) -> Iterator[CaseSet]:
    """Generate `cases` worked cases in a fresh schema, build the views, serve them."""
    from tests.bench.rows.append import server_env  # rows/ imports this module

    with fresh_schema() as schema:
        env = {
            "LEDGER_DATA_DIR": str(scratch),
            "LEDGER_DATABASE_URL": url_for(schema),
            "LEDGER_MASTER_KEY": BENCH_MASTER_KEY,
            "LEDGER_SIGNING_KEY": BENCH_SIGNING_KEY,
        }
        app = build_ledger(Settings.from_env(env))
        try:
            now = app.clock.now()
            generate_worked_cases(app, cases=cases, at=now, owners=OWNERS)
            reporter = Actor("bench-incident-manager", "incident_manager", DEPARTMENT)
            for n in range(INCIDENTS):
                app.report_incident(title=f"Bench incident {n}", description="-", actor=reporter)
            side = ReadSide(app)
            side.catch_up()
            sample = _sample(side, cases)
        finally:
            app.close()
        staff_token = mint_token(env, "bench-staff", "department_staff", DEPARTMENT)
        with ledger_server(scratch, env["LEDGER_DATABASE_URL"], **server_env(clients)) as server:
            yield CaseSet(server, cases, sample, staff_token)


def _sample(side: ReadSide, cases: int) -> list[tuple[str, str]]:
    db = side.db
    every = max(1, cases // SAMPLE)
    with db.reading() as cursor:
        table = db.physical(CASE_STATUS, side.generation("case_status"))
        cursor.execute(f"SELECT complaint_id, reference FROM {table} ORDER BY reference")
        rows = cursor.fetchall()
    return [(str(r["complaint_id"]), str(r["reference"])) for r in rows[::every]]
