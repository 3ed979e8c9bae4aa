"""What every scenario checks afterwards: events stored, projections equal a rebuild, verify."""

import os
import sys
from typing import Any

from api.config import Settings
from api.wiring.ledger import build_ledger
from projections.engine.batch import catch_up
from projections.engine.read_side import ReadSide
from tests import forked

SCRATCH_GENERATION = 9_999  # never reached by real rebuilds within a test


def count_events(settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        recorder: Any = ledger.recorder
        with recorder.datastore.transaction(commit=False) as cursor:
            # Token grants are events too; the scenarios count the events of their requests.
            cursor.execute(
                f"SELECT count(*) AS n FROM {_events_table(recorder)} WHERE topic NOT LIKE %s",
                ("ledger.access.grant:%",),
            )
            return int(cursor.fetchone()["n"])
    finally:
        ledger.close()


def stream_versions(settings: Settings) -> dict[str, int]:
    """Each stream's last version (stream ids as hex strings without dashes)."""
    ledger = build_ledger(settings)
    try:
        recorder: Any = ledger.recorder
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT originator_id AS id, max(originator_version) AS v "
                f"FROM {_events_table(recorder)} GROUP BY originator_id"
            )
            rows = cursor.fetchall()
        return {str(r["id"]).replace("-", ""): int(r["v"]) for r in rows}
    finally:
        ledger.close()


def _events_table(recorder: Any) -> str:
    schema = getattr(recorder.datastore, "schema", "")
    table = str(recorder.events_table_name)
    return f'"{schema}".{table}' if schema else table


def projections_equal_rebuild(settings: Settings) -> bool:
    """Catch every projection up, fill a scratch generation from the log, compare every row."""
    ledger = build_ledger(settings)
    try:
        side = ReadSide(ledger)
        side.catch_up()
        equal = True
        for name in side.projections:
            projection = side.projection(name)
            live = side.generation(name)
            db = side.db
            db.drop_generation(projection.tables, name, SCRATCH_GENERATION)
            db.create_generation(name, projection.tables, SCRATCH_GENERATION)
            try:
                catch_up(ledger, db, projection, generation=SCRATCH_GENERATION)
                side.catch_up([name])
                for table in projection.tables:
                    if _rows(db, table, live) != _rows(db, table, SCRATCH_GENERATION):
                        equal = False
            finally:
                db.drop_generation(projection.tables, name, SCRATCH_GENERATION)
        return equal
    finally:
        ledger.close()


def _rows(db: Any, table: Any, generation: int) -> list[tuple[Any, ...]]:
    columns = ", ".join(table.column_names)
    order = ", ".join(table.key)
    with db.reading() as cursor:
        cursor.execute(f"SELECT {columns} FROM {db.physical(table, generation)} ORDER BY {order}")
        return [tuple(row[c] for c in table.column_names) for row in cursor.fetchall()]


def ledger_verifies(env: dict[str, str]) -> bool:
    """`ledger verify` on the store the LEDGER_* settings in `env` name exits 0."""
    completed = forked.run(
        [sys.executable, "-m", "api.cli", "verify"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return completed.returncode == 0
