"""The escalation process's sweep of a clock table: the clocks past their warning mark and the
overdue ones, each handed to the ledger to record (a warning, a breach) once.

Complaint clocks (`projections.cases.sla`) and incident clocks
(`projections.incidents.clocks`) are swept alike; a complaint's clock may also be paused
while the complaint waits on the customer, and a paused clock is neither warned of nor due.

A sweep takes a page at a time in deadline order and resumes after the last clock it asked
about: a clock the ledger declines to record (its view and the case disagree, say, for a view
built by an older release) would otherwise head every page, and a page full of them would keep
every later clock from being recorded. After the last page the next sweep starts again at the
first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from projections.engine.tables import Row, Table
from projections.engine.viewdb import ViewDatabase

Record = Callable[[UUID, str, datetime], object]
Place = tuple[datetime, str, str]
"""(deadline or warning time, case id, clock) of the last clock a sweep asked about."""


@dataclass(frozen=True)
class SweepPage:
    asked: int
    resume_after: Place | None  # None: the sweep reached the last clock


@dataclass(frozen=True)
class ClockSweep:
    """One clock table: its rows name their case in `case_column`."""

    table: Table
    case_column: str
    pausable: bool = False

    def _select(
        self,
        db: ViewDatabase,
        generation: int,
        where: str,
        params: tuple[object, ...],
        order: str,
        limit: int,
        after: Place | None,
    ) -> list[Row]:
        running = "met_at IS NULL AND stopped_at IS NULL AND breached_at IS NULL"
        if self.pausable:
            running += " AND paused_since IS NULL"
        place = f"({order}, {self.case_column}, clock)"
        if after is not None:
            where += f" AND {place} > (%s, %s, %s)"
            params = (*params, *after)
        physical = db.physical(self.table, generation)
        return db.select(
            self.table,
            f"SELECT {self.table.select_list} FROM {physical} "  # noqa: S608 - our names
            f"WHERE {running} AND {where} ORDER BY {place} LIMIT %s",
            (*params, limit),
        )

    def overdue(
        self,
        db: ViewDatabase,
        generation: int,
        now: datetime,
        limit: int,
        after: Place | None = None,
    ) -> list[Row]:
        """Running clocks whose deadline has passed and whose breach is not recorded."""
        return self._select(db, generation, "due_at <= %s", (now,), "due_at", limit, after)

    def warned(
        self,
        db: ViewDatabase,
        generation: int,
        now: datetime,
        limit: int,
        after: Place | None = None,
    ) -> list[Row]:
        """Running clocks past their warning time, not yet warned of nor due."""
        return self._select(
            db,
            generation,
            "warn_at <= %s AND due_at > %s AND warned_at IS NULL",
            (now, now),
            "warn_at",
            limit,
            after,
        )

    def escalate(
        self,
        db: ViewDatabase,
        generation: int,
        now: datetime,
        record_breach: Record,
        *,
        limit: int = 500,
        after: Place | None = None,
    ) -> SweepPage:
        """Ask the ledger to record the breach of each overdue clock of one page."""
        rows = self.overdue(db, generation, now, limit, after)
        return self._record_each(rows, record_breach, "due_at", limit)

    def warn(
        self,
        db: ViewDatabase,
        generation: int,
        now: datetime,
        record_warning: Record,
        *,
        limit: int = 500,
        after: Place | None = None,
    ) -> SweepPage:
        """Ask the ledger to record each clock of one page that passed its warning mark."""
        rows = self.warned(db, generation, now, limit, after)
        return self._record_each(rows, record_warning, "warn_at", limit)

    def _record_each(self, rows: list[Row], record: Record, order: str, limit: int) -> SweepPage:
        for row in rows:
            record(UUID(row[self.case_column]), row["clock"], row["due_at"])
        if len(rows) < limit:
            return SweepPage(len(rows), None)
        last = rows[-1]
        return SweepPage(len(rows), (last[order], last[self.case_column], last["clock"]))
