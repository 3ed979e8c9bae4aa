"""Which cases are closed (when, of what kind and category) and whose they are: the retention
run's index, so that a run reads only the cases whose retention has ended.

A batch projection like the others (exactly once, tracked, rebuildable, kept current by the
worker), partitioned by case. A case's row gets its category as the case is classified (an
incident's level as it changes) and its closure time when it closes; the people of a case are
only ever added, so a key is never thought free while an earlier event still holds its data.
The queries join the archive tables (projections/retention/archive_tables.py): due and not yet
archived,
archived and whose people are not yet destroyed.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from ledger.cases.complaint import Complaint
from ledger.incidents.incident import Incident
from privacy.keys.key_table import KeyTable
from projections.engine.batch import BatchProjection, catch_up
from projections.engine.rows import utc
from projections.engine.rowset import RowSet
from projections.engine.stored_events import ProjectedEvent
from projections.engine.tables import Table
from projections.engine.viewdb import ViewDatabase
from projections.retention.rules import KINDS, RetentionRules

ANALYZE_AFTER = 10_000  # notifications applied by one catch-up

RETENTION_CASES = Table(
    name="retention_cases",
    columns=(
        ("case_id", "text"),
        ("kind", "text"),
        ("category", "text"),
        ("closed_at", "time"),
    ),
    key=("case_id",),
    partition="case_id",
    indexes=(("closed_at", "case_id"),),
)
RETENTION_SUBJECTS = Table(
    name="retention_subjects",
    columns=(("case_id", "text"), ("subject_id", "text"), ("kind", "text")),
    key=("case_id", "subject_id"),
    partition="case_id",
    indexes=(("subject_id",),),
)


class RetentionIndexProjection(BatchProjection):
    """Keeps each case's kind, category and closure time, and each case's people."""

    name = "retention_index"
    tables = (RETENTION_CASES, RETENTION_SUBJECTS)
    event_classes: ClassVar[tuple[type[Any], ...]] = (
        Complaint.Registered,  # type: ignore[attr-defined]
        Complaint.Classified,
        Complaint.Closed,
        Incident.Reported,  # type: ignore[attr-defined]
        Incident.Assessed,
        Incident.LevelChanged,
        Incident.Closed,
    )

    def partition_of(self, event: ProjectedEvent) -> str:
        return str(event.originator_id)

    def apply(self, rows: RowSet, event: ProjectedEvent, position: int) -> None:
        case_id = str(event.originator_id)
        kind, _, name = event.kind.partition(".")
        kind = kind.lower()
        if name in ("Registered", "Reported"):
            rows.put(
                RETENTION_CASES.name,
                {"case_id": case_id, "kind": kind, "category": None, "closed_at": None},
            )
        row = rows.get(RETENTION_CASES.name, case_id)
        if row is None:  # a case older than its first event cannot be: ignore the stray event
            return
        if name == "Registered":
            self._person(rows, case_id, event.customer.subject_id, kind)
        elif name == "Classified":
            row["category"] = event.category
        elif name == "Assessed":
            row["category"] = event.level
            for customer in event.affected_customers:
                self._person(rows, case_id, customer.subject_id, kind)
        elif name == "LevelChanged":
            row["category"] = event.to_level
        elif name == "Closed":
            row["closed_at"] = event.timestamp
        rows.touch(RETENTION_CASES.name, row)

    @staticmethod
    def _person(rows: RowSet, case_id: str, subject_id: Any, kind: str) -> None:
        rows.put(
            RETENTION_SUBJECTS.name,
            {"case_id": case_id, "subject_id": str(subject_id), "kind": kind},
        )


class RetentionIndex:
    """The index's queries, for one retention run: what is due, whose keys may go."""

    def __init__(self, app: Any, archives: str, destructions: str) -> None:
        self.app = app
        self.db = ViewDatabase(app.recorder.datastore)
        self.projection = RetentionIndexProjection()
        self.generation = self.db.ensure(self.projection.name, self.projection.tables)
        self._archives = archives
        self._destructions = destructions
        self._keys = KeyTable(app.recorder.datastore).name

    def catch_up(self) -> int:
        """Apply what the log holds beyond the index's position (little, if the worker runs);
        the active generation is looked up again first, in case a rebuild swapped one in."""
        self.generation = self.db.ensure(self.projection.name, self.projection.tables)
        start = self.db.position(self.projection.name, self.generation)
        position = catch_up(self.app, self.db, self.projection, generation=self.generation)
        if position - start >= ANALYZE_AFTER:
            # Fresh statistics, or the planner, counting on a few rows, sorts every due case
            # for each page instead of reading the closure index in order up to the page's end.
            self.db.analyze(self.projection.tables, self.generation)
        return position

    @property
    def _cases(self) -> str:
        return self.db.physical(RETENTION_CASES, self.generation)

    @property
    def _subjects(self) -> str:
        return self.db.physical(RETENTION_SUBJECTS, self.generation)

    def _due(self, rules: RetentionRules, now: datetime) -> tuple[str, list[Any]]:
        """A condition on `c` true for the closed cases whose retention has ended at `now`."""
        clauses: list[str] = []
        params: list[Any] = []
        for kind in KINDS:
            rule = getattr(rules, kind)
            named = sorted(rule.categories)
            for category in named:
                clauses.append("(c.kind = %s AND c.category = %s AND c.closed_at <= %s)")
                params += [kind, category, now - rule.categories[category]]
            default = (
                f"(c.category IS NULL OR c.category NOT IN ({', '.join(['%s'] * len(named))}))"
                if named
                else "TRUE"
            )
            clauses.append(f"(c.kind = %s AND {default} AND c.closed_at <= %s)")
            params += [kind, *named, now - rule.default]
        return f"({' OR '.join(clauses)})", params

    def due(
        self,
        rules: RetentionRules,
        now: datetime,
        *,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[tuple[str, str, datetime]]:
        """Closed cases due at `now` and not archived, by closure then id, after a key."""
        condition, params = self._due(rules, now)
        if after is not None:  # a row value: the index is read from the key on, in order
            condition += " AND (c.closed_at, c.case_id) > (%s, %s)"
            params += [after[0], after[1]]
        with self.db.reading() as c:
            c.execute(
                f"SELECT c.case_id, c.kind, c.closed_at FROM {self._cases} c WHERE {condition} "
                f"AND NOT EXISTS (SELECT 1 FROM {self._archives} a WHERE a.case_id = c.case_id) "
                f"ORDER BY c.closed_at, c.case_id LIMIT %s",
                (*params, limit),
            )
            rows = c.fetchall()
        return [(r["case_id"], r["kind"], utc(r["closed_at"])) for r in rows]

    def counts(self, rules: RetentionRules, now: datetime) -> tuple[int, int]:
        """(closed cases not yet due, cases archived): counted in SQL, no case read."""
        condition, params = self._due(rules, now)
        with self.db.reading() as c:  # one statement: both counts from one snapshot
            c.execute(
                f"SELECT (SELECT COUNT(*) FROM {self._cases} c WHERE c.closed_at IS NOT NULL "
                f"AND NOT COALESCE({condition}, FALSE) AND NOT EXISTS "
                f"(SELECT 1 FROM {self._archives} a WHERE a.case_id = c.case_id)) AS not_due, "
                f"(SELECT COUNT(*) FROM {self._archives}) AS archived",
                params,
            )
            row = c.fetchone()
        return int(row["not_due"]), int(row["archived"])

    def undestroyed_subjects(self, *, after: str, limit: int) -> list[str]:
        """People with an archived case whose key is still alive or whose destruction is not
        recorded yet, by id after `after`."""
        with self.db.reading() as c:
            # EXISTS, not a join: the planner reads the index by person in order and stops at
            # the page's end instead of hashing every archive row for every page.
            # A destruction row alone never spares a person: anyone may INSERT one (the table
            # refuses only UPDATE and DELETE), so a live key row, the authority, brings them
            # back; `ledger verify` names the row no confirmation backs.
            c.execute(
                f"SELECT s.subject_id FROM {self._subjects} s WHERE s.subject_id > %s "
                f"AND EXISTS (SELECT 1 FROM {self._archives} a WHERE a.case_id = s.case_id) "
                f"AND (NOT EXISTS (SELECT 1 FROM {self._destructions} d "
                "WHERE d.subject_id = s.subject_id) "
                f"OR EXISTS (SELECT 1 FROM {self._keys} k WHERE k.subject_id = s.subject_id "
                "AND k.wrapped IS NOT NULL)) "
                f"ORDER BY s.subject_id LIMIT %s",
                (after, limit),
            )
            return list(dict.fromkeys(r["subject_id"] for r in c.fetchall()))

    def cases_of(self, subjects: Sequence[str]) -> list[tuple[str, str, str | None, str | None]]:
        """(subject, case, archiving run or None, archive record or None) of these people."""
        if not subjects:
            return []
        with self.db.reading() as c:
            c.execute(
                f"SELECT s.subject_id, s.case_id, a.run_id, a.record FROM {self._subjects} s "
                f"LEFT JOIN {self._archives} a ON a.case_id = s.case_id "
                "WHERE s.subject_id = ANY(%s) ORDER BY s.subject_id, s.case_id",
                (list(subjects),),
            )
            return [(r["subject_id"], r["case_id"], r["run_id"], r["record"]) for r in c.fetchall()]
