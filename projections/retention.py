"""The retention run: archive closed cases past their retention, then crypto-shred their people.

    1. sign a checkpoint, so every event of every due case is under a signed root
    2. for each closed case past its period (privacy/retention.py) and under no hold (of the case
       or of any of its people): write its archive record — non-personal facts, the chain hash
       of every event, an inclusion proof of its last event against the checkpoint
    3. for each person all of whose cases are archived (none live, none still in retention,
       none held): checkpoint before, destroy their data key, checkpoint after, then record
       `DestroyedUnderRetention` on the person's stream with both checkpoints

Idempotent and resumable: archive rows are keyed by case id and written with ON CONFLICT DO
NOTHING; a key already destroyed is not destroyed again (the key store says so) and the
confirmation is recorded once (the person's stream refuses a second one). Killed anywhere and
run again, the end state is that of one clean run.
"""

import copy
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from ledger.application import LedgerApplication
from ledger.complaint import Complaint
from ledger.errors import NotFoundError
from ledger.incident import Incident
from ledger.integrity import merkle
from ledger.integrity.checkpoints import Checkpoint, checkpoint_document
from ledger.integrity.service import Integrity
from ledger.subject import DataSubject
from ledger.values import Actor
from privacy.retention import RetentionRules, describe
from projections.archive_tables import ArchiveRow, ArchiveTables, DestructionRow, record_sha256

log = logging.getLogger(__name__)

RUNNER = Actor(staff_id="retention-run", role="system")
ARCHIVE_FORMAT = "complaint-ledger/archive/1"
BATCH = 500
_INDEX_TOPICS = (
    get_topic(Complaint.Registered),  # type: ignore[attr-defined]
    get_topic(Complaint.Closed),  # type: ignore[attr-defined]
    get_topic(Incident.Assessed),  # type: ignore[attr-defined]
    get_topic(Incident.Closed),  # type: ignore[attr-defined]
)


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
        }


@dataclass
class _Index:
    """Which cases are closed (when), and each person's cases: built from the log."""

    closed: dict[UUID, tuple[str, datetime]] = field(default_factory=dict)
    subjects: dict[UUID, set[UUID]] = field(default_factory=lambda: defaultdict(set))


class RetentionRun:
    """One retention run over a ledger; `run()` does it, `run(dry_run=True)` only plans it."""

    def __init__(
        self,
        ledger: LedgerApplication,
        integrity: Integrity,
        archive: ArchiveTables,
        rules: RetentionRules,
    ) -> None:
        self.ledger = ledger
        self.integrity = integrity
        self.archive = archive
        self.rules = rules
        self._subjects: dict[UUID, DataSubject | None] = {}
        self._rules_of: dict[str, str] = {}
        self._departments: dict[UUID, list[str]] = {}

    # -- the run ------------------------------------------------------------------------------

    def run(self, *, dry_run: bool = False) -> RetentionReport:
        """Run (or plan) once; concurrent calls (the periodic job, a report) share no state."""
        return copy.copy(self)._run(dry_run=dry_run)

    def _run(self, *, dry_run: bool) -> RetentionReport:
        now = self.ledger.clock.now()
        # Fresh per run: holds change between runs.
        self._subjects, self._rules_of, self._departments = {}, {}, {}
        report = RetentionReport(run_id=uuid4().hex, at=now, dry_run=dry_run)
        checkpoint = None if dry_run else self.integrity.checkpoint()
        if checkpoint is not None:
            report.checkpoints.append(checkpoint.number)
        index = self._index()
        archived = self.archive.archived_case_ids()
        pending: list[ArchiveRow] = []
        for case_id, (kind, closed_at) in sorted(index.closed.items(), key=lambda i: i[1][1]):
            if str(case_id) in archived:
                report.already_archived += 1
                continue
            case, rows = self._load(case_id)
            category = case.category if isinstance(case, Complaint) else case.level
            period, rule = self.rules.period(kind, category)
            if closed_at + period > now:
                report.not_due += 1
                continue
            if reason := self._hold(case):
                report.skipped.append(Skipped(str(case_id), reason))
                continue
            self._rules_of[str(case_id)] = f"{rule}={describe(period)}"
            report.archived.append(str(case_id))
            if dry_run or checkpoint is None:
                continue
            record = self._record(case, kind, rows, checkpoint, f"{rule}={describe(period)}")
            pending.append(
                ArchiveRow(
                    str(case_id),
                    kind,
                    closed_at.isoformat(),
                    now.isoformat(),
                    report.run_id,
                    record,
                    record_sha256(record),
                )
            )
            if len(pending) >= BATCH:
                self.archive.add_archives(pending)
                pending = []
        self.archive.add_archives(pending)
        archived |= set(report.archived)
        self._destroy(index, archived, report, dry_run=dry_run)
        log.info(
            "retention run %s: %d archived, %d skipped, %d keys destroyed%s",
            report.run_id,
            len(report.archived),
            len(report.skipped),
            len(report.destroyed),
            " (dry run)" if dry_run else "",
        )
        return report

    # -- step 1: what is closed, and whose ----------------------------------------------------

    def _index(self) -> _Index:
        index = _Index()
        position = 0
        recorder: Any = self.ledger.recorder
        while True:
            notifications = recorder.select_notifications(
                start=position + 1, limit=BATCH * 4, topics=_INDEX_TOPICS
            )
            for notification in notifications:
                event: Any = self.ledger.mapper.to_domain_event(notification)
                case_id = event.originator_id
                if isinstance(event, Complaint.Registered):  # type: ignore[attr-defined]
                    index.subjects[event.customer.subject_id].add(case_id)
                elif isinstance(event, Incident.Assessed):  # type: ignore[attr-defined]
                    for customer in event.affected_customers:
                        index.subjects[customer.subject_id].add(case_id)
                else:
                    kind = "complaint" if isinstance(event, Complaint.Closed) else "incident"  # type: ignore[attr-defined]
                    index.closed[case_id] = (kind, event.timestamp)
                position = notification.id
            if len(notifications) < BATCH * 4:
                return index

    def _load(self, case_id: UUID) -> tuple[Complaint | Incident, list[Any]]:
        """The case, replayed from its stored rows (which also give the chain hashes).

        A complaint's `departments_seen` collects every department that held it on the way.
        """
        rows = self.integrity.tables.events_in_stream_order(
            after=None, stream=case_id, limit=1_000_000
        )
        aggregate: Any = None
        seen: set[str] = set()
        for _, _, version, topic, state, _ in rows:
            event: Any = self.ledger.mapper.to_domain_event(
                StoredEvent(case_id, version, topic, state)
            )
            aggregate = event.mutate(aggregate)
            seen.update(getattr(aggregate, "departments", None) or [])
            if isinstance(aggregate, Complaint):
                seen.add(aggregate.department)
        if not isinstance(aggregate, Complaint | Incident):
            raise NotFoundError(f"no case with id {case_id}")
        self._departments[case_id] = sorted(seen)
        return aggregate, rows

    def _hold(self, case: Complaint | Incident) -> str | None:
        if case.legal_hold is not None:
            return f"case under legal hold: {case.legal_hold}"
        for subject in _subjects_of(case):
            if reason := self._subject_hold(subject):
                return f"data subject {subject} under legal hold: {reason}"
        return None

    def _subject(self, subject_id: UUID) -> DataSubject | None:
        """The person's stream (None if the ledger never recorded one), read once per run."""
        if subject_id not in self._subjects:
            try:
                self._subjects[subject_id] = self.ledger.get_data_subject(subject_id)
            except NotFoundError:
                self._subjects[subject_id] = None
        return self._subjects[subject_id]

    def _subject_hold(self, subject_id: UUID) -> str | None:
        subject = self._subject(subject_id)
        return subject.hold_reason if subject else None

    # -- step 2: the archive record -----------------------------------------------------------

    def _record(
        self,
        case: Complaint | Incident,
        kind: str,
        rows: list[Any],
        checkpoint: Checkpoint,
        rule: str,
    ) -> dict[str, Any]:
        proof = self._proof(case.id, rows[-1][2], checkpoint)
        record: dict[str, Any] = {
            "format": ARCHIVE_FORMAT,
            "case_id": str(case.id),
            "kind": kind,
            "reference": case.reference,
            "retention_rule": rule,
            "event_count": len(rows),
            "events": [
                {"version": version, "event": topic.rsplit(".", 1)[-1], "chain_hash": h.hex()}
                for _, _, version, topic, _, h in rows
            ],
            "proof": proof,
        }
        record.update(
            _complaint_facts(case) if isinstance(case, Complaint) else _incident_facts(case)
        )
        record["departments"] = self._departments.pop(case.id, record["departments"])
        return record

    def _proof(self, case_id: UUID, version: int, checkpoint: Checkpoint) -> dict[str, Any]:
        """The inclusion proof of one event, as `Integrity.inclusion_proof` gives it but without
        the event's bytes (they hold ciphertexts): two queries in one transaction."""
        tables = self.integrity.tables
        with tables.session():
            leaf = tables.leaf_for_event(case_id, version)
            if leaf is None or leaf.position >= checkpoint.tree_size:
                raise NotFoundError(f"case {case_id} version {version} is not in the checkpoint")
            ranges = merkle.inclusion_ranges(leaf.position, checkpoint.tree_size)
            nodes = tables.nodes(merkle.nodes_for(ranges))
        return {
            "type": "inclusion",
            "stream_id": str(case_id),
            "version": version,
            "notification_id": leaf.notification_id,
            "leaf_index": leaf.position,
            "chain_hash": leaf.chain_hash.hex(),
            "proof": [merkle.range_hash(s, e, nodes).hex() for s, e in ranges],
            "checkpoint": checkpoint_document(checkpoint),
        }

    # -- step 3: destroy keys nobody needs any more -------------------------------------------

    def _destroy(
        self, index: _Index, archived: set[str], report: RetentionReport, *, dry_run: bool
    ) -> None:
        done = self.archive.destroyed_subject_ids()
        archived_now = set(report.archived)
        due: list[tuple[UUID, list[str]]] = []
        for subject, cases in index.subjects.items():
            if str(subject) in done:
                continue
            names = sorted(str(c) for c in cases)
            waiting = [c for c in names if c not in archived]
            if waiting:
                if archived_now.intersection(names):
                    report.kept.append(
                        Skipped(str(subject), f"{len(waiting)} other case(s) still need the key")
                    )
                continue
            if reason := self._subject_hold(subject):
                report.kept.append(Skipped(str(subject), f"under legal hold: {reason}"))
                continue
            due.append((subject, names))
        if dry_run:
            report.destroyed = [str(s) for s, _ in due]
            return
        for start in range(0, len(due), BATCH):
            self._destroy_batch(due[start : start + BATCH], report)

    def _destroy_batch(self, batch: list[tuple[UUID, list[str]]], report: RetentionReport) -> None:
        subjects: list[DataSubject] = []
        for subject_id, _ in batch:
            subject = self._subject(subject_id)
            subjects.append(
                subject or DataSubject(subject_id=subject_id, actor=RUNNER, timestamp=report.at)
            )
        before = self.integrity.checkpoint()
        self.ledger.keys.erase_many(
            [s.subject_id for s in subjects if s.retention_run is None], at=report.at
        )
        after = self.integrity.checkpoint(force=True)
        report.checkpoints += [before.number, after.number]
        confirmed: list[DataSubject] = []
        rows: list[DestructionRow] = []
        for subject, (subject_id, cases) in zip(subjects, batch, strict=True):
            if subject.retention_run is None:
                subject.confirm_destruction(
                    run_id=report.run_id,
                    rules=sorted({self._rule_of(c) for c in cases}),
                    cases=cases,
                    checkpoint_before=_checkpoint_ref(before),
                    checkpoint_after=_checkpoint_ref(after),
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

    def _rule_of(self, case_id: str) -> str:
        if case_id in self._rules_of:
            return self._rules_of[case_id]
        row = self.archive.archive(case_id)
        return str(row.record.get("retention_rule")) if row else "?"


def _checkpoint_ref(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "number": checkpoint.number,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash.hex(),
        "signed_at": checkpoint.signed_at,
    }


def _subjects_of(case: Complaint | Incident) -> Iterator[UUID]:
    if isinstance(case, Complaint):
        yield case.customer.subject_id
    else:
        yield from (c.subject_id for c in case.affected_customers)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _outcome(done: datetime | None, due: datetime | None) -> str | None:
    if due is None:
        return None
    if done is None:
        return "missed"
    return "met" if done <= due else "missed"


def _complaint_facts(case: Complaint) -> dict[str, Any]:
    return {
        "category": case.category,
        "priority": case.priority,
        "customer_tier": case.customer_tier,
        "channel": case.channel,
        "departments": sorted({case.department}),
        "timestamps": {
            "registered_at": _time(case.registered_at),
            "first_responded_at": _time(case.first_responded_at),
            "resolved_at": _time(case.resolved_at),
            "closed_at": _time(case.closed_at),
        },
        "sla": {
            "first_response": _outcome(case.first_responded_at, case.first_response_due),
            "resolution": _outcome(case.resolved_at, case.resolution_due),
        },
        "resolution_category": "resolved" if case.resolved_at else "closed_unresolved",
        "csat": case.satisfaction,
        "escalation_level": case.escalation_level,
        "cycles": case.cycle,
    }


def _incident_facts(case: Incident) -> dict[str, Any]:
    return {
        "category": case.level,
        "priority": case.level,
        "departments": sorted(set(case.departments)),
        "timestamps": {
            "reported_at": _time(case.reported_at),
            "assessed_at": _time(case.assessed_at),
            "activated_at": _time(case.activated_at),
            "mitigated_at": _time(case.mitigated_at),
            "resolved_at": _time(case.resolved_at),
            "reviewed_at": _time(case.reviewed_at),
            "closed_at": _time(case.closed_at),
        },
        "sla": {
            "assessment": _outcome(case.assessed_at, case.assess_due),
            "activation": _outcome(case.activated_at, case.activate_due),
        },
        "resolution_category": "reviewed" if case.reviewed_at else "resolved",
        "csat": None,
        "affected_customers": len(case.affected_customers),
        "action_items": len(case.action_items),
    }
