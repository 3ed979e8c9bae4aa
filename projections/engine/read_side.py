"""The read side of one ledger: its projections, their positions and lag, rebuilds.

Used by the service (catch up before a read, a background worker thread), by the
`ledger projections` commands and by the worker process.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.errors import NotFoundError
from projections.cases.analytics_view import CaseAnalyticsProjection
from projections.cases.escalation_inbox import EscalationInboxProjection
from projections.cases.handoff_list import HandoffListProjection
from projections.cases.handoff_queue import HandoffQueueProjection
from projections.cases.sla import SlaProjection
from projections.cases.sla_escalation import SLA_SWEEP
from projections.cases.status_view import CaseStatusProjection
from projections.engine.batch import BatchProjection, catch_up
from projections.engine.clock_sweep import Place
from projections.engine.stored_events import read_events
from projections.engine.viewdb import ViewDatabase
from projections.incidents.analytics_view import IncidentAnalyticsProjection
from projections.incidents.clocks import IncidentClockProjection
from projections.incidents.deadlines import INCIDENT_SWEEP
from projections.incidents.incident_list import IncidentListProjection
from projections.notifications.outbox import OutboxProjection
from projections.retention.index import RetentionIndexProjection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProjectionStatus:
    """Where a projection stands against the head of the ledger's log."""

    name: str
    generation: int
    position: int
    head: int
    lag: int
    lag_seconds: float  # age of the oldest event not yet applied (0 when current)


class ReadSide:
    """Every projection of one ledger application, in the ledger's own database."""

    def __init__(self, app: LedgerApplication) -> None:
        self.app = app
        self.db = ViewDatabase(app.recorder.datastore)  # type: ignore[attr-defined]
        projections: list[BatchProjection] = [
            CaseStatusProjection(app.policy),
            SlaProjection(app.policy),
            IncidentClockProjection(app.policy),
            HandoffQueueProjection(),
            HandoffListProjection(),
            EscalationInboxProjection(),
            IncidentListProjection(),
            RetentionIndexProjection(),
            OutboxProjection(app.policy),
            CaseAnalyticsProjection(app.policy),
            IncidentAnalyticsProjection(),
        ]
        self.projections = {p.name: p for p in projections}
        # Where each sweep of the escalation process resumes (clock_sweep.py says why).
        self._sweeps_resume: dict[str, Place | None] = {}
        # Idempotent DDL: an index added in a later release appears on the live tables too.
        self.db.ensure_all([(p.name, p.tables) for p in projections])

    def projection(self, name: str) -> BatchProjection:
        try:
            return self.projections[name]
        except KeyError:
            known = ", ".join(self.projections)
            raise NotFoundError(f"no projection named {name!r} (known: {known})") from None

    def generation(self, name: str) -> int:
        projection = self.projection(name)
        return self.db.ensure(projection.name, projection.tables)

    def position(self, name: str) -> int:
        return self.db.position(name, self.generation(name))

    def current(
        self, names: Sequence[str], *, catch_up_first: bool = True
    ) -> dict[str, tuple[int, int]]:
        """Each named projection's active generation and position, caught up to the head of
        the log first (unless told not to: a worker process does it): one statement when they
        are there already."""
        events = self.app.recorder.events_table_name  # type: ignore[attr-defined]
        standing, head = self.db.standing(names, f'"{self.db.datastore.schema}"."{events}"')
        for name in names:
            if catch_up_first and (name not in standing or standing[name][1] < head):
                position = catch_up(self.app, self.db, self.projection(name))
                standing[name] = (self.generation(name), position)
            elif name not in standing:  # first use: its generation, empty until a worker fills it
                standing[name] = (self.generation(name), self.position(name))
        return standing

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def catch_up(self, names: Iterable[str] | None = None) -> dict[str, int]:
        """Bring the named projections (all by default) up to the head of the log."""
        return {
            name: catch_up(self.app, self.db, self.projection(name))
            for name in (names or self.projections)
        }

    def _oldest_unapplied_at(self, position: int) -> datetime | None:
        notifications = list(self.app.recorder.select_notifications(start=position + 1, limit=1))
        if not notifications:
            return None
        [(_, event)] = read_events(self.app, notifications, frozenset([notifications[0].topic]))
        stamp: datetime = event.timestamp
        return stamp

    def status(self) -> list[ProjectionStatus]:
        head = self.head()
        now = self.app.clock.now()
        found = []
        for name in self.projections:
            generation = self.generation(name)
            position = self.db.position(name, generation)
            oldest = self._oldest_unapplied_at(position) if position < head else None
            lag_seconds = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
            found.append(
                ProjectionStatus(
                    name, generation, position, head, max(0, head - position), lag_seconds
                )
            )
        return found

    def escalate_overdue(self, now: datetime | None = None) -> int:
        """One tick of the escalation process: warnings of clocks past their warning mark and
        breaches of overdue clocks go to the ledger, the complaints' and the incidents'; returns
        how many were asked for."""
        moment = now or self.app.clock.now()

        def recording(
            what: str, command: Callable[..., object]
        ) -> Callable[[UUID, str, datetime], object]:
            def record(case_id: UUID, clock: str, due: datetime) -> object:
                try:
                    return command(case_id, clock=clock, due=due)
                except Exception as error:  # one case's failure must not stop the others
                    log.warning("could not record the %s %s of %s: %s", clock, what, case_id, error)
                    return None

            return record

        app, sla, incidents = self.app, self.generation("sla"), self.generation("incident_clocks")
        steps = (
            (SLA_SWEEP.warn, sla, "warning", app.record_deadline_warning),
            (SLA_SWEEP.escalate, sla, "breach", app.record_deadline_breach),
            (INCIDENT_SWEEP.warn, incidents, "warning", app.record_incident_warning),
            (INCIDENT_SWEEP.escalate, incidents, "breach", app.record_incident_breach),
        )
        asked = 0
        for step, generation, what, command in steps:
            key = f"{generation}:{what}:{command.__name__}"
            page = step(
                self.db,
                generation,
                moment,
                recording(what, command),
                after=self._sweeps_resume.get(key),
            )
            self._sweeps_resume[key] = page.resume_after
            asked += page.asked
        return asked

    def rebuild(self, name: str, progress: Callable[[int, int], Any] | None = None) -> int:
        """Fill a fresh generation from the start of the log, then swap it in; return its id.

        The live generation keeps serving reads (and its worker keeps it current) until the
        swap; the new one is caught up again right before the swap, so it starts current.
        """
        projection = self.projection(name)
        old = self.generation(name)
        new = old + 1
        self.db.drop_generation(projection.tables, name, new)  # leftovers of an aborted rebuild
        # Secondary indexes are built once the rows are in: one sort per index, instead of
        # every row's insert (and every later upsert of it) updating each of them.
        self.db.create_generation(name, projection.tables, new, indexes=False)
        head = self.head()

        def report(position: int) -> None:
            if progress is not None:
                progress(position, head)

        # Analysed once, below, when its indexes are built.
        catch_up(self.app, self.db, projection, generation=new, progress=report, analyze_after=None)
        self.db.create_indexes(projection.tables, new)
        self.db.analyze(projection.tables, new)
        catch_up(self.app, self.db, projection, generation=new)
        self.db.activate(name, new)
        self.db.drop_generation(projection.tables, name, old)
        return new
