"""The retention run: archive closed cases past their retention, then crypto-shred their people.

    1. sign a checkpoint, so every event of every due case is under a signed root
    2. for each closed case past its period (projections/retention/rules.py) and under no hold
       (of the case
       or of any of its people): write its archive record — non-personal facts, the chain hash
       of every event, an inclusion proof of its last event against the checkpoint
    3. for each person all of whose cases are archived (none live, none still in retention,
       none held): checkpoint before, destroy their data key, checkpoint after, then record
       `DestroyedUnderRetention` on the person's stream with both checkpoints
    4. purge the audit log (operations and reveals, one chained log) of the rows older than its
       retention: the purge is itself a chained row of the log, and a checkpoint signs it and
       the new anchor at once

Steps 2 and 3 go a page of BATCH cases or people at a time: the due cases come from the
retention index (projections/retention/index.py), each page's events, people, leaves and nodes
are read in one query each, and its rows written in one transaction each, so memory and the
time per case stay flat as the ledger grows.

Idempotent and resumable: archive rows are keyed by case id and written with ON CONFLICT DO
NOTHING; a key already destroyed is not destroyed again (the key store says so) and the
confirmation is recorded once (the person's stream refuses a second one). Killed anywhere and
run again, the end state is that of one clean run.

This module runs steps 1, 2 and 4; step 3 is `destruction.py`, the page's proofs `proofs.py`,
its replays `replay.py`, what a run returns `report.py`.
"""

import copy
import logging
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import OperationLog
from ledger.cases.complaint import Complaint
from ledger.incidents.incident import Incident
from ledger.integrity.checkpoints import Checkpoint
from ledger.integrity.service import Integrity
from projections.retention import archive_seal, records
from projections.retention.archive_tables import ArchiveRow, ArchiveTables, record_sha256
from projections.retention.destruction import KeyDestruction
from projections.retention.index import RetentionIndex
from projections.retention.proofs import inclusion_proofs
from projections.retention.replay import by_stream, data_subjects, replay_case
from projections.retention.report import RetentionReport, Skipped
from projections.retention.rules import RetentionRules, describe

log = logging.getLogger(__name__)

BATCH = 500  # cases or people a page; read at each run (tests set it smaller)


class RetentionRun:
    """One retention run over a ledger; `run()` does it, `run(dry_run=True)` only plans it."""

    def __init__(
        self,
        ledger: LedgerApplication,
        integrity: Integrity,
        archive: ArchiveTables,
        rules: RetentionRules,
        *,
        oplog: OperationLog | None = None,
    ) -> None:
        self.ledger = ledger
        self.integrity = integrity
        self.archive = archive
        self.rules = rules
        self.oplog = oplog
        self.index = RetentionIndex(ledger, archive.archives_table, archive.destructions_table)
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._planned: dict[str, str] = {}  # dry runs: case -> rule it would archive under
        self._planned_subjects: set[str] = set()
        self._highest: dict[UUID, int] = {}  # case -> highest escalation rank it reached

    # -- the run ------------------------------------------------------------------------------

    def run(self, *, dry_run: bool = False) -> RetentionReport:
        """Run (or plan) once; concurrent calls (the periodic job, a report) share no state."""
        return copy.copy(self)._run(dry_run=dry_run)

    def _run(self, *, dry_run: bool) -> RetentionReport:
        now = self.ledger.clock.now()
        # Fresh per run: the upper nodes of the tree shared by every proof of the run, and (dry
        # runs only) the rule of every case the run would archive.
        self._nodes, self._planned, self._planned_subjects = {}, {}, set()
        report = RetentionReport(run_id=uuid4().hex, at=now, dry_run=dry_run)
        checkpoint = None if dry_run else self.integrity.checkpoint()
        if checkpoint is not None:
            report.checkpoints.append(checkpoint.number)
        self.index.catch_up()
        report.not_due, report.already_archived = self.index.counts(self.rules, now)
        after: tuple[datetime, str] | None = None
        while page := self.index.due(self.rules, now, after=after, limit=BATCH):
            after = (page[-1][2], page[-1][0])
            self._archive_page(page, checkpoint, report)
            if len(page) < BATCH:
                break
        KeyDestruction(
            self.ledger,
            self.integrity,
            self.archive,
            self.index,
            planned=self._planned,
            planned_subjects=self._planned_subjects,
        ).run(report, dry_run=dry_run, batch=BATCH)
        if not dry_run:
            self._purge_logs(report)
        log.info(
            "retention run %s: %d archived, %d skipped, %d keys destroyed%s",
            report.run_id,
            len(report.archived),
            len(report.skipped),
            len(report.destroyed),
            " (dry run)" if dry_run else "",
        )
        return report

    # -- step 2: archive one page of due cases ------------------------------------------------

    def _archive_page(
        self,
        page: list[tuple[str, str, datetime]],
        checkpoint: Checkpoint | None,
        report: RetentionReport,
    ) -> None:
        """Read the page's cases and their people in two queries, archive those not held."""
        stored = by_stream(self.integrity.tables.events_of_streams([UUID(c) for c, _, _ in page]))
        loaded = [
            (kind, closed_at, *self._replay(UUID(c), stored[UUID(c)]))
            for c, kind, closed_at in page
        ]
        people = data_subjects(
            self.ledger.mapper,
            self.integrity.tables,
            {s for _, _, case, _, _ in loaded for s in records.subjects_of(case)},
        )
        due: list[tuple[str, datetime, Complaint | Incident, list[Any], list[str], str]] = []
        for kind, closed_at, case, rows, departments in loaded:
            category = case.category if isinstance(case, Complaint) else case.level
            period, rule = self.rules.period(kind, category)
            if reason := records.hold(case, people):
                report.skipped.append(Skipped(str(case.id), reason))
                continue
            due.append((kind, closed_at, case, rows, departments, f"{rule}={describe(period)}"))
        if checkpoint is None:  # a dry run: remember what it would archive, for step 2
            for _, _, case, _, _, rule in due:
                report.archived.append(str(case.id))
                self._planned[str(case.id)] = rule
                self._planned_subjects.update(str(s) for s in records.subjects_of(case))
            return
        last = [(case.id, rows[-1]) for _, _, case, rows, _, _ in due]
        proofs = inclusion_proofs(self.integrity.tables, self._nodes, last, checkpoint)
        archived: list[ArchiveRow] = []
        for kind, closed_at, case, rows, departments, rule in due:
            escalation = self._highest.get(case.id, 0)
            if case.id not in proofs:
                report.skipped.append(
                    Skipped(str(case.id), "events after the run's checkpoint: the next run")
                )
                continue
            record = records.record(case, kind, rows, departments, proofs[case.id], rule)
            if "escalation_level" in record:  # the highest reached, not the open ones' (none)
                record["escalation_level"] = escalation
            archived.append(
                ArchiveRow(
                    str(case.id),
                    kind,
                    closed_at.isoformat(),
                    report.at.isoformat(),
                    report.run_id,
                    record,
                    record_sha256(record),
                )
            )
        self.archive.add_archives(archived)
        # Each stored row (a killed run's, if it wrote one first) sealed by an event in the
        # ledger, so that the signed tree covers what the archive says.
        kept = self.archive.digests_of([row.case_id for row in archived])
        archive_seal.seal(self.ledger, self.integrity.tables, kept)
        report.archived += [row.case_id for row in archived]

    def _replay(
        self, case_id: UUID, rows: list[Any]
    ) -> tuple[Complaint | Incident, list[Any], list[str]]:
        """The case replayed (`replay_case`), remembering the highest rank it reached."""
        case, rows, departments, highest = replay_case(self.ledger.mapper, case_id, rows)
        self._highest[case_id] = highest
        return case, rows, departments

    # -- step 4: purge the logs past their retention ----------------------------------------

    def _purge_logs(self, report: RetentionReport) -> None:
        """Purge the audit log's rows past its retention: the purge is a chained row of the log
        (ledger/audit/log_purge.py), signed at once by a checkpoint."""
        keep = self.rules.audit_log
        if self.oplog is None or keep is None:
            return
        rule = "operation_log.keep" if keep == self.rules.operation_log else "access_log.keep"
        purge = self.oplog.purge(
            cutoff=report.at - keep,
            policy=f"{rule}={describe(keep)}",
            run_id=report.run_id,
            at=report.at,
        )
        if purge is not None:
            report.purged.append(purge)
            report.checkpoints.append(self.integrity.checkpoint().number)
