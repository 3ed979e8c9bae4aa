"""The escalation process's sweep of a clock table: the clocks past their warning mark and the
overdue ones, each handed to the ledger to record (a warning, a breach) once.

Complaint clocks (`projections.cases.sla`) and incident clocks
(`projections.incidents.clocks`) are swept alike; a complaint's clock may also be paused
while the complaint waits on the customer, and a paused clock is neither warned of nor due.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from projections.engine.tables import Row, Table
from projections.engine.viewdb import ViewDatabase

Record = Callable[[UUID, str, datetime], object]


@dataclass(frozen=True)
class ClockSweep:
    """One clock table: its rows name their case in `case_column`."""

    table: Table
    case_column: str
    pausable: bool = False

    def _select(
        self, db: ViewDatabase, generation: int, where: str, params: tuple[object, ...]
    ) -> list[Row]:
        running = "met_at IS NULL AND stopped_at IS NULL AND breached_at IS NULL"
        if self.pausable:
            running += " AND paused_since IS NULL"
        physical = db.physical(self.table, generation)
        return db.select(
            self.table,
            f"SELECT {self.table.select_list} FROM {physical} "  # noqa: S608 - our names
            f"WHERE {running} AND {where}",
            params,
        )

    def overdue(self, db: ViewDatabase, generation: int, now: datetime, limit: int) -> list[Row]:
        """Running clocks whose deadline has passed and whose breach is not recorded."""
        return self._select(db, generation, "due_at <= %s ORDER BY due_at LIMIT %s", (now, limit))

    def warned(self, db: ViewDatabase, generation: int, now: datetime, limit: int) -> list[Row]:
        """Running clocks past their warning time, not yet warned of nor due."""
        return self._select(
            db,
            generation,
            "warn_at <= %s AND due_at > %s AND warned_at IS NULL ORDER BY warn_at LIMIT %s",
            (now, now, limit),
        )

    def escalate(
        self,
        db: ViewDatabase,
        generation: int,
        now: datetime,
        record_breach: Record,
        *,
        limit: int = 500,
    ) -> int:
        """Ask the ledger to record each overdue clock's breach; how many were asked."""
        return self._record_each(self.overdue(db, generation, now, limit), record_breach)

    def warn(
        self,
        db: ViewDatabase,
        generation: int,
        now: datetime,
        record_warning: Record,
        *,
        limit: int = 500,
    ) -> int:
        """Ask the ledger to record each clock that passed its warning mark; how many were asked."""
        return self._record_each(self.warned(db, generation, now, limit), record_warning)

    def _record_each(self, rows: list[Row], record: Record) -> int:
        for row in rows:
            record(UUID(row[self.case_column]), row["clock"], row["due_at"])
        return len(rows)
