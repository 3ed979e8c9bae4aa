"""Purges of the append-only logs under retention: each one a row of its own, append-only too.

The access log and the operation log refuse DELETE, except of rows at or below the highest
`up_to` recorded here for that log. A purge writes its row (which log, the range, how many rows,
the cut-off and the rule it applied, the run that did it, and for a hash chain the hash of the
last row removed — the anchor the rest of the chain is verified from) and deletes the range in
the same transaction, so nothing is ever deleted that no purge accounts for, and a purge killed
halfway leaves no trace. Deleting anything else, or changing a purge row, is refused; so is a
purge row whose cut-off is less than `RETENTION_FLOOR` (183 days) before its time.
"""

from dataclasses import dataclass
from typing import Any, Final

from ledger.audit.log_rows import RETENTION_FLOOR
from privacy.db.schema_in_place import apply_schema

REFUSAL: Final = "the log purges are append-only"
FLOOR_REFUSAL: Final = f"the audit log is kept at least {RETENTION_FLOOR.days} days"
ACCESS_LOG: Final = "access_log"
OPERATION_LOG: Final = "operation_log"


@dataclass(frozen=True)
class Purge:
    """One purge of a log's oldest rows: (after, up_to] were removed."""

    log: str
    after: int
    up_to: int
    count: int
    anchor_hash: str  # the hash of row `up_to` for a hash chain; "" otherwise
    cutoff: str  # rows older than this went (ISO 8601 UTC)
    policy: str  # the rule applied: `access_log.keep=183d`
    run_id: str
    at: str


class PurgeTable:
    """The purge rows, in the ledger's schema; created on construction."""

    def __init__(self, cursor: Any, *, schema: str) -> None:
        self.table = f'"{schema}".ledger_log_purges'
        function = f'"{schema}".ledger_log_purges_refuse()'
        # The floor held by the database too, not only by the code that purges: a purge row
        # inserted by hand cannot open rows younger than the floor to the DELETE trigger.
        floor = f'"{schema}".ledger_log_purges_floor()'
        days = RETENTION_FLOOR.days
        apply_schema(
            cursor,
            [
                f"CREATE TABLE IF NOT EXISTS {self.table} (log TEXT NOT NULL, "
                "after BIGINT NOT NULL, up_to BIGINT NOT NULL, count BIGINT NOT NULL, "
                "anchor_hash TEXT NOT NULL, cutoff TEXT NOT NULL, policy TEXT NOT NULL, "
                "run_id TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (log, up_to))",
                f"CREATE OR REPLACE FUNCTION {function} RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; "
                "END $$",
                "CREATE OR REPLACE TRIGGER ledger_log_purges_refuse BEFORE UPDATE OR DELETE "
                f"ON {self.table} FOR EACH ROW EXECUTE FUNCTION {function}",
                f"CREATE OR REPLACE FUNCTION {floor} RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF NEW.cutoff::timestamptz > NEW.at::timestamptz - interval '{days} days' "
                f"THEN RAISE EXCEPTION '{FLOOR_REFUSAL}: a purge on % cannot reach rows after %', "
                f"NEW.at, NEW.at::timestamptz - interval '{days} days' "
                "USING ERRCODE = 'insufficient_privilege'; END IF; RETURN NEW; END $$",
                "CREATE OR REPLACE TRIGGER ledger_log_purges_floor BEFORE INSERT "
                f"ON {self.table} FOR EACH ROW EXECUTE FUNCTION {floor}",
            ],
        )

    def horizon(self, log: str) -> str:
        """SQL for the highest row number of `log` a purge removed (0 before any): what a DELETE
        trigger compares `OLD`'s number with."""
        return f"(SELECT COALESCE(MAX(up_to), 0) FROM {self.table} WHERE log = '{log}')"

    def latest(self, cursor: Any, log: str) -> Purge | None:
        cursor.execute(
            "SELECT log, after, up_to, count, anchor_hash, cutoff, policy, run_id, at "
            f"FROM {self.table} WHERE log = %s ORDER BY up_to DESC LIMIT 1",
            (log,),
        )
        row = cursor.fetchone()
        return None if row is None else _purge(row)

    def all(self, cursor: Any, log: str) -> list[Purge]:
        cursor.execute(
            "SELECT log, after, up_to, count, anchor_hash, cutoff, policy, run_id, at "
            f"FROM {self.table} WHERE log = %s ORDER BY up_to",
            (log,),
        )
        return [_purge(row) for row in cursor.fetchall()]

    def record(self, cursor: Any, purge: Purge) -> None:
        cursor.execute(
            f"INSERT INTO {self.table} (log, after, up_to, count, anchor_hash, cutoff, policy, "
            f"run_id, at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                purge.log,
                purge.after,
                purge.up_to,
                purge.count,
                purge.anchor_hash,
                purge.cutoff,
                purge.policy,
                purge.run_id,
                purge.at,
            ),
        )


def _purge(row: Any) -> Purge:
    return Purge(
        log=row["log"],
        after=int(row["after"]),
        up_to=int(row["up_to"]),
        count=int(row["count"]),
        anchor_hash=row["anchor_hash"],
        cutoff=row["cutoff"],
        policy=row["policy"],
        run_id=row["run_id"],
        at=row["at"],
    )
