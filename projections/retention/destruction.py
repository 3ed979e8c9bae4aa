"""Step 3 of the retention run: destroy the data keys nobody needs any more.

A person's key goes once all of their cases are archived (none live, none still in retention)
and they are under no hold: checkpoint before, destroy the keys of a page of people, checkpoint
after, then record `DestroyedUnderRetention` on each person's stream with both checkpoints.
"""

from collections import defaultdict
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.integrity.service import Integrity
from ledger.subjects.subject import DataSubject
from ledger.values import Actor
from projections.retention import records
from projections.retention.archive_tables import ArchiveTables, DestructionRow
from projections.retention.index import RetentionIndex
from projections.retention.replay import data_subjects
from projections.retention.report import RetentionReport, Skipped

RUNNER = Actor(staff_id="retention-run", role="system")


class KeyDestruction:
    """Destroys the keys of people whose cases a run archived (or, dry, would archive)."""

    def __init__(
        self,
        ledger: LedgerApplication,
        integrity: Integrity,
        archive: ArchiveTables,
        index: RetentionIndex,
        *,
        planned: dict[str, str],
        planned_subjects: set[str],
    ) -> None:
        self.ledger = ledger
        self.integrity = integrity
        self.archive = archive
        self.index = index
        self._planned = planned  # dry runs: case -> rule it would archive under
        self._planned_subjects = planned_subjects

    def run(self, report: RetentionReport, *, dry_run: bool, batch: int) -> None:
        """Every person with an archived case and no destruction yet, a page at a time: the
        ones archived now, and any a killed run left between archiving and destroying."""
        if dry_run:
            subjects = self._planned_subjects.union(
                self.index.undestroyed_subjects(after="", limit=10**9)
            )
            ordered = sorted(subjects)
            for start in range(0, len(ordered), batch):
                due = self._due_subjects(ordered[start : start + batch], report)
                report.destroyed += [str(s) for s, _, _, _ in due]
            return
        after = ""
        while page := self.index.undestroyed_subjects(after=after, limit=batch):
            after = page[-1]
            if due := self._due_subjects(page, report):
                self._destroy_batch(due, report)
            # No early stop on a short page: a person with two archived cases counts once.

    def _due_subjects(
        self, page: list[str], report: RetentionReport
    ) -> list[tuple[UUID, list[str], DataSubject | None, list[str]]]:
        """Those of `page` none of whose cases still needs their key, with their cases."""
        cases: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
        for subject, case, run_id, record in self.index.cases_of(page):
            cases[subject].append((case, run_id, record))
        people = data_subjects(self.ledger.mapper, self.integrity.tables, (UUID(s) for s in page))
        due: list[tuple[UUID, list[str], DataSubject | None, list[str]]] = []
        for subject in page:
            mine = cases[subject]
            archived = {c for c, run_id, _ in mine if run_id is not None or c in self._planned}
            names = sorted(c for c, _, _ in mine)
            if waiting := [c for c in names if c not in archived]:
                if any(run_id == report.run_id or c in self._planned for c, run_id, _ in mine):
                    report.kept.append(
                        Skipped(subject, f"{len(waiting)} other case(s) still need the key")
                    )
                continue
            person = people[UUID(subject)]
            if person is not None and person.hold_reason is not None:
                report.kept.append(Skipped(subject, f"under legal hold: {person.hold_reason}"))
                continue
            rules = sorted({self._planned.get(c) or records.rule(record) for c, _, record in mine})
            due.append((UUID(subject), names, person, rules))
        return due

    def _destroy_batch(
        self,
        batch: list[tuple[UUID, list[str], DataSubject | None, list[str]]],
        report: RetentionReport,
    ) -> None:
        subjects = [
            person or DataSubject(subject_id=subject_id, actor=RUNNER, timestamp=report.at)
            for subject_id, _, person, _ in batch
        ]
        before = self.integrity.checkpoint()
        # Every person of the batch, confirmed or not: one whose destruction is already
        # confirmed is here only because their key row is alive again (restored), and a
        # destroyed key stays as it is.
        self.ledger.keys.erase_many([s.subject_id for s in subjects], at=report.at)
        after = self.integrity.checkpoint(force=True)
        report.checkpoints += [before.number, after.number]
        confirmed: list[DataSubject] = []
        rows: list[DestructionRow] = []
        for subject, (subject_id, cases, _, rules) in zip(subjects, batch, strict=True):
            if subject.retention_run is None:
                subject.confirm_destruction(
                    run_id=report.run_id,
                    rules=rules,
                    cases=cases,
                    checkpoint_before=records.checkpoint_ref(before),
                    checkpoint_after=records.checkpoint_ref(after),
                    actor=RUNNER,
                    at=report.at,
                )
                confirmed.append(subject)
            rows.append(
                DestructionRow(
                    str(subject_id),
                    subject.retention_run or report.run_id,
                    (subject.erased_at or report.at).isoformat(),
                    cases,
                )
            )
            report.destroyed.append(str(subject_id))
        if confirmed:
            self.ledger.save(*confirmed)
        self.archive.add_destructions(rows)
