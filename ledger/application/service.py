"""The ledger's application service: every command a user can give, as one method each.

Each command loads the aggregates it touches, lets them decide, and saves all their new events
in one transaction. A concurrent write that got there first surfaces as `ConcurrencyError`;
the command is not retried, because the caller decided on a state that no longer exists.
"""

import copy
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper
from eventsourcing.utils import Environment, EnvType

from ledger.application.hold_commands import CaseCommands
from ledger.application.incident_commands import IncidentCommands
from ledger.application.scope import RequestScope
from ledger.application.transcodings import ledger_transcodings
from ledger.audit.access_log import AccessLog
from ledger.cases.complaint import Complaint, complaint_id_for
from ledger.cases.escalation import Escalation
from ledger.cases.handoff import Handoff
from ledger.clock import Clock, SystemClock
from ledger.errors import ConcurrencyError, DomainError, NotFoundError
from ledger.incidents.incident import Incident
from ledger.policy.service_policy import Policy
from ledger.store.bootstrap import prepare_database
from ledger.store.idle_check import install_idle_check
from ledger.store.recorders import AppendOnlyPostgresApplicationRecorder, GroupCommitting
from ledger.store.side_tables import SideTables
from ledger.subjects.subject import DataSubject, data_subject_id_for
from ledger.topics import register_moved_modules
from ledger.values import ESCALATION_LEVELS, Actor, Customer
from privacy.fields import Personal
from privacy.keys.keystore import SubjectErasedError, SubjectKeyStore
from privacy.keys.master_key import MasterKeyring
from privacy.keys.stream_subjects import StreamNotingMapper

A = TypeVar("A", bound=Aggregate)
# Who records breaches and raises automatic escalations.
SLA_MONITOR = Actor(staff_id="sla-monitor", role="system")


@dataclass(frozen=True)
class HistoryEntry:
    """One stored event, as an auditor reads it: what, who, when, and its recorded facts."""

    version: int
    event: str
    at: datetime
    actor: Actor | None
    data: Mapping[str, Any]


_REFERENCE_ATTEMPTS = 20
_EVENT_HEADER = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's projector without its per-event `isinstance` against a runtime Protocol,
    which on Python 3.11 costs ~20 µs an event: most of a small stream's replay."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class LedgerApplication(IncidentCommands, CaseCommands, Application[UUID]):
    """Complaints, escalations, handoffs and incidents as append-only event streams."""

    name = "ledger"
    scope: RequestScope | None = None  # set on a request's view (`for_request`)

    def __init__(
        self,
        env: EnvType,
        *,
        keyring: MasterKeyring,
        policy: Policy | None = None,
        clock: Clock | None = None,
        group_commit: bool = True,
    ) -> None:
        register_moved_modules()  # events stored before the aggregates moved still load
        self.policy = policy or Policy()
        self.clock: Clock = clock or SystemClock()
        # The transcodings are registered inside Application.__init__ and need the key store;
        # the store gets its datastore once the library has built it.
        self.keys = SubjectKeyStore(keyring)
        prepare_database(env)
        super().__init__(env)
        datastore = self.recorder.datastore  # type: ignore[attr-defined]
        install_idle_check(datastore)
        self.side_tables = SideTables(datastore)
        self.side_tables.create()
        self.keys.attach(datastore)
        if isinstance(self.recorder, AppendOnlyPostgresApplicationRecorder):
            self.recorder.subject_keys = self.keys  # key rows come back with a stream's events
        self.access_log = AccessLog(datastore)
        # Concurrent saves share one write transaction (and one table lock); see group_commit.
        if isinstance(self.recorder, GroupCommitting):
            self.recorder.claims = self.side_tables
            if group_commit:
                self.recorder.enable_group_commit()

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # The library would merge os.environ in; configuration is owned by the caller instead,
        # so a stray POSTGRES_* variable in a shell cannot redirect the ledger.
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> Mapper[UUID]:
        # The mapper tells the key store which streams hold which subjects' personal values.
        mapper = self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=StreamNotingMapper
        )
        if isinstance(mapper, StreamNotingMapper):
            mapper.streams = self.keys.streams
        return mapper

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in ledger_transcodings(self.keys):
            transcoder.register(transcoding)

    # -- plumbing -----------------------------------------------------------------------------

    def for_request(self, scope: RequestScope) -> "LedgerApplication":
        """This application, reading and writing for one request with `scope`.

        A shallow copy: the store, the key store and everything else are shared; only the
        scope is its own. Made per request, it lives no longer than the request.
        """
        bound = copy.copy(self)
        bound.scope = scope
        return bound

    def __del__(self) -> None:
        # A request's view shares the application's store: only the application closes it.
        if self.scope is None:
            super().__del__()

    def _get(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        scope = self.scope
        if scope is not None and version is None:
            found = scope.take(aggregate_id, cls)
            if isinstance(found, cls):
                return found
        try:
            aggregate = self._load(aggregate_id, version)
        except AggregateNotFoundError:
            raise NotFoundError(f"no {cls.__name__.lower()} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(f"no {cls.__name__.lower()} with id {aggregate_id}")
        return aggregate

    def _load(self, aggregate_id: UUID, version: int | None) -> Aggregate:
        recorder = self.recorder
        if self.scope is None or not isinstance(recorder, AppendOnlyPostgresApplicationRecorder):
            aggregate: Aggregate = self.repository.get(
                aggregate_id, version=version, projector_func=replay
            )
            return aggregate
        # The request's read: its people's data keys come with the events, into its memo.
        stored = recorder.select_events(aggregate_id, lte=version, keys=self.scope.keys)
        found: Aggregate | None = replay(None, map(self.mapper.to_domain_event, stored))
        if found is None:
            raise AggregateNotFoundError(aggregate_id)
        return found

    def reveal(self, value: Personal) -> str:
        """A personal value's plaintext, with the request's memo of data keys if it has one."""
        return self.keys.reveal(value, self.scope.keys if self.scope is not None else None)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Store new events atomically; a version already taken means another write won.

        For a request with an idempotency key (`scope.idempotency`), the save records the key in
        the events' transaction; another request that recorded it first fails the save with
        `DuplicateRequestError`, and nothing is stored.
        """
        key = self.scope.idempotency if self.scope is not None else None
        completion = key.completion_for(*objs) if key is not None else None
        if completion is not None:
            kwargs["completions"] = [completion]
        try:
            recordings = super().save(*objs, **kwargs)
        except SubjectErasedError:
            raise DomainError(
                "the customer's personal data was erased; nothing personal can be recorded "
                "for them any more"
            ) from None
        except IntegrityError:
            raise ConcurrencyError(
                "another change to this record was stored first; reload it and try again"
            ) from None
        if key is not None and completion is not None:
            key.recorded = True
        return recordings

    @contextmanager
    def _saving(self, *aggregates: Aggregate) -> Iterator[None]:
        yield
        self.save(*aggregates)

    def _now(self) -> datetime:
        return self.clock.now()

    # -- complaints ---------------------------------------------------------------------------

    def register_complaint(
        self,
        *,
        channel: str,
        customer_name: str,
        customer_phone: str | None = None,
        customer_email: str | None = None,
        customer_address: str | None = None,
        customer_region: str | None = None,
        subject_id: UUID | None = None,
        summary: str,
        description: str,
        department: str | None = None,
        actor: Actor,
    ) -> Complaint:
        """Register a complaint and give it the next reference of its year."""
        department = department or self.policy.intake_department
        self._check_department(department, field="department")
        now = self._now()
        subject = subject_id or uuid4()
        new_subject = subject_id is None
        customer = Customer(
            subject_id=subject,
            name=Personal.of(subject, customer_name),
            phone=Personal.maybe(subject, customer_phone),
            email=Personal.maybe(subject, customer_email),
            address=Personal.maybe(subject, customer_address),
            region=customer_region,
        )
        # The id follows from the reference, so the event store itself refuses a reused
        # reference (say, after the counter table was restored from an older backup): take the
        # next number and try again.
        for _ in range(_REFERENCE_ATTEMPTS):
            number = self.side_tables.next_number("CMP", now.year)
            complaint = Complaint.register(
                reference=f"CMP-{now.year}-{number:06d}",
                channel=channel,
                customer=customer,
                summary=Personal.of(subject, summary),
                description=Personal.of(subject, description),
                department=department,
                actor=actor,
                at=now,
            )
            if new_subject:  # a person just minted: their data key in one statement, not three
                self.keys.prepare_new_subject(subject)
                new_subject = False
            try:
                self.save(complaint)
            except ConcurrencyError:
                continue
            return complaint
        raise ConcurrencyError("could not allocate an unused complaint reference; try again")

    def get_complaint(self, complaint_id: UUID, *, version: int | None = None) -> Complaint:
        return self._get(Complaint, complaint_id, version)

    def find_complaint(self, id_or_reference: str) -> Complaint:
        """Look a complaint up by its UUID or its human-readable reference."""
        try:
            complaint_id = UUID(id_or_reference)
        except ValueError:
            complaint_id = complaint_id_for(id_or_reference)
        return self.get_complaint(complaint_id)

    def classify_complaint(
        self,
        complaint_id: UUID,
        *,
        category: str,
        priority: str,
        customer_tier: str = "standard",
        actor: Actor,
    ) -> Complaint:
        if category not in self.policy.categories:
            raise DomainError(
                f"unknown category; expected one of {self.policy.categories}", field="category"
            )
        if priority not in self.policy.priorities:
            raise DomainError(
                f"unknown priority; expected one of {tuple(self.policy.priorities)}",
                field="priority",
            )
        if customer_tier not in self.policy.tier_first_response:
            raise DomainError(
                f"unknown customer tier; expected one of {tuple(self.policy.tier_first_response)}",
                field="customer_tier",
            )
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.classify(
                category=category,
                priority=priority,
                customer_tier=customer_tier,
                deadlines=self.policy.complaint_deadlines(
                    registered_at=complaint.registered_at, priority=priority, tier=customer_tier
                ),
                actor=actor,
                at=self._now(),
            )
        return complaint

    def assign_complaint(
        self,
        complaint_id: UUID,
        *,
        owner: str | None = None,
        reason: str | None = None,
        actor: Actor,
    ) -> Complaint:
        """Give the complaint an owner: the caller by default (first-contact ownership)."""
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.assign(
                owner=owner or actor.staff_id, reason=reason, actor=actor, at=self._now()
            )
        return complaint

    def respond_to_complaint(self, complaint_id: UUID, *, message: str, actor: Actor) -> Complaint:
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.respond(
                message=Personal.of(complaint.customer.subject_id, message),
                actor=actor,
                at=self._now(),
            )
        return complaint

    def note_progress(self, complaint_id: UUID, *, note: str, actor: Actor) -> Complaint:
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.note_progress(
                note=Personal.of(complaint.customer.subject_id, note), actor=actor, at=self._now()
            )
        return complaint

    def resolve_complaint(self, complaint_id: UUID, *, resolution: str, actor: Actor) -> Complaint:
        complaint = self.get_complaint(complaint_id)
        now = self._now()
        with self._saving(complaint):
            complaint.resolve(
                resolution=Personal.of(complaint.customer.subject_id, resolution),
                feedback_due=now + self.policy.feedback_due,
                actor=actor,
                at=now,
            )
        return complaint

    def record_feedback(
        self, complaint_id: UUID, *, satisfaction: int, comment: str | None = None, actor: Actor
    ) -> Complaint:
        """Record the survey; at or below the policy's threshold the complaint reopens."""
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.record_feedback(
                satisfaction=satisfaction,
                comment=Personal.maybe(complaint.customer.subject_id, comment),
                reopen_at_or_below=self.policy.reopen_at_or_below,
                actor=actor,
                at=self._now(),
            )
        return complaint

    def reopen_complaint(self, complaint_id: UUID, *, reason: str, actor: Actor) -> Complaint:
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.reopen(reason=reason, actor=actor, at=self._now())
        return complaint

    def close_complaint(
        self, complaint_id: UUID, *, waiver_reason: str | None = None, actor: Actor
    ) -> Complaint:
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.close(waiver_reason=waiver_reason, actor=actor, at=self._now())
        return complaint

    def await_customer(self, complaint_id: UUID, *, reason: str, actor: Actor) -> Complaint:
        """The complaint waits on the customer; its SLA clocks pause."""
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.await_customer(reason=reason, actor=actor, at=self._now())
        return complaint

    def record_customer_reply(self, complaint_id: UUID, *, actor: Actor) -> Complaint:
        """The customer replied; the SLA clocks run again."""
        complaint = self.get_complaint(complaint_id)
        with self._saving(complaint):
            complaint.record_customer_reply(actor=actor, at=self._now())
        return complaint

    def record_deadline_breach(
        self, complaint_id: UUID, *, clock: str, due: datetime
    ) -> Escalation | None:
        """Record a missed deadline and escalate one level up, automatically and only once.

        The complaint's own stream says which breaches it has recorded, so a repeat (another
        worker, a retry after a crash) changes nothing and returns None.
        """
        for _ in range(3):
            complaint = self.get_complaint(complaint_id)
            if not complaint.check_breach(clock):
                return None
            now = self._now()
            complaint.record_breach(clock=clock, due=due, actor=SLA_MONITOR, at=now)
            escalation = None
            if complaint.escalation_level < len(ESCALATION_LEVELS):
                level = ESCALATION_LEVELS[complaint.escalation_level]
                escalation = Escalation.raise_(
                    subject_kind="complaint",
                    subject_id=complaint.id,
                    level=level,
                    current_rank=complaint.escalation_level,
                    reason=f"the {clock.replace('_', ' ')} deadline passed at {due.isoformat()}",
                    skip_reason=None,
                    automatic=True,
                    rule=f"sla.{clock}.breached",
                    actor=SLA_MONITOR,
                    at=now,
                )
                complaint.record_escalation(
                    escalation_id=escalation.id, level=level, actor=SLA_MONITOR, at=now
                )
            try:
                self.save(complaint, *([escalation] if escalation else []))
            except ConcurrencyError:
                continue  # the complaint moved on meanwhile: decide again on its new state
            return escalation
        return None

    def get_history(self, aggregate_id: UUID) -> list[HistoryEntry]:
        """Every stored event of one stream, in order."""
        entries = [_history_entry(e) for e in self.events.get(aggregate_id)]
        if not entries:
            raise NotFoundError(f"no record with id {aggregate_id}")
        return entries

    # -- data subjects ------------------------------------------------------------------------

    def _data_subject(self, subject_id: UUID, actor: Actor) -> DataSubject:
        try:
            return self._get(DataSubject, data_subject_id_for(subject_id))
        except NotFoundError:
            return DataSubject(subject_id=subject_id, actor=actor, timestamp=self._now())

    def get_data_subject(self, subject_id: UUID) -> DataSubject:
        return self._get(DataSubject, data_subject_id_for(subject_id))

    def place_legal_hold(self, subject_id: UUID, *, reason: str, actor: Actor) -> DataSubject:
        subject = self._data_subject(subject_id, actor)
        with self._saving(subject):
            subject.place_hold(reason=reason, actor=actor, at=self._now())
        return subject

    def lift_legal_hold(self, subject_id: UUID, *, reason: str, actor: Actor) -> DataSubject:
        subject = self._data_subject(subject_id, actor)
        with self._saving(subject):
            subject.lift_hold(reason=reason, actor=actor, at=self._now())
        return subject

    def erase_subject(self, subject_id: UUID, *, legal_basis: str, actor: Actor) -> DataSubject:
        """Record the erasure in the ledger, then destroy the subject's data key.

        Idempotent: a repeated erasure returns the first record. The record comes first, so no
        key is ever destroyed without the ledger saying why; a subject under legal hold is refused.
        """
        subject = self._data_subject(subject_id, actor)
        if subject.erased_at is None:
            with self._saving(subject):
                subject.erase(legal_basis=legal_basis, actor=actor, at=self._now())
        self.keys.erase(subject_id, at=subject.erased_at or self._now())
        return subject

    # -- escalations --------------------------------------------------------------------------

    def raise_escalation(
        self,
        *,
        complaint_id: UUID,
        level: str,
        reason: str,
        skip_reason: str | None = None,
        automatic: bool = False,
        rule: str | None = None,
        actor: Actor,
    ) -> Escalation:
        """Escalate a complaint one rung up the ladder (or more, with a skip reason)."""
        complaint = self.get_complaint(complaint_id)
        now = self._now()
        escalation = Escalation.raise_(
            subject_kind="complaint",
            subject_id=complaint.id,
            level=level,
            current_rank=complaint.escalation_level,
            reason=reason,
            skip_reason=skip_reason,
            automatic=automatic,
            rule=rule,
            actor=actor,
            at=now,
        )
        with self._saving(escalation, complaint):
            complaint.record_escalation(
                escalation_id=escalation.id, level=level, actor=actor, at=now
            )
        return escalation

    def get_escalation(self, escalation_id: UUID, *, version: int | None = None) -> Escalation:
        return self._get(Escalation, escalation_id, version)

    def acknowledge_escalation(self, escalation_id: UUID, *, actor: Actor) -> Escalation:
        escalation = self.get_escalation(escalation_id)
        with self._saving(escalation):
            escalation.acknowledge(actor=actor, at=self._now())
        return escalation

    def resolve_escalation(self, escalation_id: UUID, *, outcome: str, actor: Actor) -> Escalation:
        escalation = self.get_escalation(escalation_id)
        subject: Complaint | Incident = (
            self.get_incident(escalation.subject_id)
            if escalation.subject_kind == "incident"
            else self.get_complaint(escalation.subject_id)
        )
        now = self._now()
        with self._saving(escalation, subject):
            escalation.resolve(outcome=outcome, actor=actor, at=now)
            subject.record_escalation_resolved(escalation_id=escalation.id, actor=actor, at=now)
        return escalation

    # -- handoffs -----------------------------------------------------------------------------

    def request_handoff(
        self,
        *,
        complaint_id: UUID,
        to_department: str,
        reason: str,
        due: datetime | None = None,
        actor: Actor,
    ) -> Handoff:
        """Ask another department to take the complaint on; the sender keeps it meanwhile."""
        self._check_department(to_department, field="to_department")
        complaint = self.get_complaint(complaint_id)
        now = self._now()
        handoff = Handoff.request(
            complaint_id=complaint.id,
            complaint_reference=complaint.reference,
            from_department=complaint.department,
            to_department=to_department,
            reason=reason,
            accept_due=self.policy.calendar.add(now, self.policy.handoff_accept),
            complete_due=due or self.policy.calendar.add(now, self.policy.handoff_complete),
            actor=actor,
            at=now,
        )
        with self._saving(handoff, complaint):
            complaint.record_handoff_requested(
                handoff_id=handoff.id, to_department=to_department, actor=actor, at=now
            )
        return handoff

    def get_handoff(self, handoff_id: UUID, *, version: int | None = None) -> Handoff:
        return self._get(Handoff, handoff_id, version)

    def accept_handoff(self, handoff_id: UUID, *, actor: Actor) -> Handoff:
        handoff = self.get_handoff(handoff_id)
        complaint = self.get_complaint(handoff.complaint_id)
        now = self._now()
        with self._saving(handoff, complaint):
            handoff.accept(actor=actor, at=now)
            complaint.record_handoff_accepted(handoff_id=handoff.id, actor=actor, at=now)
        return handoff

    def reject_handoff(self, handoff_id: UUID, *, reason: str, actor: Actor) -> Handoff:
        handoff = self.get_handoff(handoff_id)
        complaint = self.get_complaint(handoff.complaint_id)
        now = self._now()
        with self._saving(handoff, complaint):
            handoff.reject(reason=reason, actor=actor, at=now)
            complaint.record_handoff_rejected(handoff_id=handoff.id, actor=actor, at=now)
        return handoff

    def complete_handoff(self, handoff_id: UUID, *, result: str, actor: Actor) -> Handoff:
        handoff = self.get_handoff(handoff_id)
        complaint = self.get_complaint(handoff.complaint_id)
        now = self._now()
        with self._saving(handoff, complaint):
            handoff.complete(result=result, actor=actor, at=now)
            complaint.record_handoff_completed(handoff_id=handoff.id, actor=actor, at=now)
        return handoff

    def _check_department(self, department: str, *, field: str) -> None:
        if department not in self.policy.departments:
            raise DomainError(
                f"unknown department; expected one of {self.policy.departments}", field=field
            )


def _history_entry(event: Any) -> HistoryEntry:
    return HistoryEntry(
        version=event.originator_version,
        event=type(event).__name__,
        at=event.timestamp,
        actor=getattr(event, "actor", None),
        data={k: v for k, v in event.__dict__.items() if k not in _EVENT_HEADER},
    )
