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
"""

import copy
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent

from ledger.application.service import LedgerApplication
from ledger.audit.operation_log import OperationLog
from ledger.audit.purges import Purge
from ledger.cases.complaint import Complaint
from ledger.errors import NotFoundError
from ledger.incidents.incident import Incident
from ledger.integrity import merkle
from ledger.integrity.checkpoints import Checkpoint, checkpoint_document
from ledger.integrity.service import Integrity
from ledger.subjects.subject import DataSubject
from ledger.values import Actor
from projections.retention import archive_seal, records
from projections.retention.archive_tables import (
    ArchiveRow,
    ArchiveTables,
    DestructionRow,
    record_sha256,
)
from projections.retention.index import RetentionIndex
from projections.retention.rules import RetentionRules, describe

log = logging.getLogger(__name__)

RUNNER = Actor(staff_id="retention-run", role="system")
BATCH = 500
_SHARED_LEVEL = 10  # nodes of 1 024 leaves and more: shared by a page's proofs


@dataclass(frozen=True)
class Skipped:
    case_id: str
    reason: str


@dataclass
class RetentionReport:
    """What one run did (or, dry, would do), and what it skipped and why."""

    run_id: str
    at: datetime
    dry_run: bool
    archived: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    not_due: int = 0
    already_archived: int = 0
    destroyed: list[str] = field(default_factory=list)
    kept: list[Skipped] = field(default_factory=list)  # subject id and why its key stays
    checkpoints: list[int] = field(default_factory=list)
    purged: list[Purge] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "archived": self.archived,
            "skipped": [{"case_id": s.case_id, "reason": s.reason} for s in self.skipped],
            "not_due": self.not_due,
            "already_archived": self.already_archived,
            "destroyed_subjects": self.destroyed,
            "kept_subjects": [{"subject_id": s.case_id, "reason": s.reason} for s in self.kept],
            "checkpoints": self.checkpoints,
            "purged": [
                {
                    "log": p.log,
                    "rows": f"{p.after + 1}..{p.up_to}",
                    "count": p.count,
                    "policy": p.policy,
                }
                for p in self.purged
            ],
        }


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
        self._destroy(report, dry_run=dry_run)
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
        stored = _by_stream(self.integrity.tables.events_of_streams([UUID(c) for c, _, _ in page]))
        loaded = [
            (kind, closed_at, *self._replay(UUID(c), stored[UUID(c)]))
            for c, kind, closed_at in page
        ]
        people = self._data_subjects(
            {s for _, _, case, _, _ in loaded for s in records.subjects_of(case)}
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
        proofs = self._proofs([(case.id, rows[-1]) for _, _, case, rows, _, _ in due], checkpoint)
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
        kept = [self.archive.archive(row.case_id) for row in archived]
        archive_seal.seal(self.ledger, self.integrity.tables, [r for r in kept if r])
        report.archived += [row.case_id for row in archived]

    def _replay(
        self, case_id: UUID, rows: list[Any]
    ) -> tuple[Complaint | Incident, list[Any], list[str]]:
        """The case, replayed from its stored rows (which also give the chain hashes), and
        every department that held it on the way (a complaint's `departments_seen`)."""
        aggregate: Any = None
        seen: set[str] = set()
        highest = 0
        for _, _, version, topic, state, _ in rows:
            event: Any = self.ledger.mapper.to_domain_event(
                StoredEvent(case_id, version, topic, state)
            )
            aggregate = event.mutate(aggregate)
            highest = max(highest, getattr(aggregate, "escalation_level", 0))
            seen.update(getattr(aggregate, "departments", None) or [])
            if isinstance(aggregate, Complaint):
                seen.add(aggregate.department)
        if not isinstance(aggregate, Complaint | Incident):
            raise NotFoundError(f"no case with id {case_id}")
        self._highest[case_id] = highest
        return aggregate, rows, sorted(seen)

    def _data_subjects(self, subject_ids: Iterable[UUID]) -> dict[UUID, DataSubject | None]:
        """These people's streams (None where the ledger never recorded one), in one query."""
        streams = {DataSubject.create_id(s): s for s in subject_ids}
        stored = _by_stream(self.integrity.tables.events_of_streams(sorted(streams)))
        found: dict[UUID, DataSubject | None] = {}
        for stream, subject_id in streams.items():
            aggregate: Any = None
            for _, _, version, topic, state, _ in stored.get(stream, []):
                event: Any = self.ledger.mapper.to_domain_event(
                    StoredEvent(stream, version, topic, state)
                )
                aggregate = event.mutate(aggregate)
            found[subject_id] = aggregate
        return found

    def _proofs(
        self, last: list[tuple[UUID, Any]], checkpoint: Checkpoint
    ) -> dict[UUID, dict[str, Any]]:
        """The inclusion proof of each case's last event against the run's one checkpoint, as
        `Integrity.inclusion_proof` gives it but without the event's bytes (they hold
        ciphertexts): one query for the page's leaves, one for the nodes not yet read.

        The upper nodes are shared by every proof against the same tree, so the run keeps them
        (at most a few hundred); the lower ones differ per page and are read per page."""
        tables = self.integrity.tables
        size = checkpoint.tree_size
        leaves = {
            leaf.notification_id: leaf
            for leaf in tables.leaves_for_notifications([row[0] for _, row in last])
        }
        paths: dict[UUID, tuple[Any, int, list[tuple[int, int]]]] = {}
        wanted: set[tuple[int, int]] = set()
        for case_id, row in last:
            leaf = leaves.get(row[0])
            if leaf is None or leaf.position >= size:
                continue
            ranges = merkle.inclusion_ranges(leaf.position, size)
            paths[case_id] = (leaf, row[2], ranges)
            wanted |= merkle.nodes_for(ranges)
        nodes = {key: self._nodes[key] for key in wanted if key in self._nodes}
        nodes.update(tables.nodes(wanted - nodes.keys()))
        self._nodes.update({k: v for k, v in nodes.items() if k[0] >= _SHARED_LEVEL})
        document = checkpoint_document(checkpoint)
        return {
            case_id: {
                "type": "inclusion",
                "stream_id": str(case_id),
                "version": version,
                "notification_id": leaf.notification_id,
                "leaf_index": leaf.position,
                "chain_hash": leaf.chain_hash.hex(),
                "proof": [merkle.range_hash(s, e, nodes).hex() for s, e in ranges],
                "checkpoint": document,
            }
            for case_id, (leaf, version, ranges) in paths.items()
        }

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

    # -- step 3: destroy keys nobody needs any more -------------------------------------------

    def _destroy(self, report: RetentionReport, *, dry_run: bool) -> None:
        """Every person with an archived case and no destruction yet, a page at a time: the
        ones archived now, and any a killed run left between archiving and destroying."""
        if dry_run:
            subjects = self._planned_subjects.union(
                self.index.undestroyed_subjects(after="", limit=10**9)
            )
            ordered = sorted(subjects)
            for start in range(0, len(ordered), BATCH):
                due = self._due_subjects(ordered[start : start + BATCH], report)
                report.destroyed += [str(s) for s, _, _, _ in due]
            return
        after = ""
        while page := self.index.undestroyed_subjects(after=after, limit=BATCH):
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
        people = self._data_subjects(UUID(s) for s in page)
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
        self.ledger.keys.erase_many(
            [s.subject_id for s in subjects if s.retention_run is None], at=report.at
        )
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


def _by_stream(rows: list[Any]) -> dict[UUID, list[Any]]:
    """Stored rows (ordered by stream, then version) grouped by their stream."""
    grouped: dict[UUID, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[UUID(bytes=bytes(row[1]))].append(row)
    return grouped
