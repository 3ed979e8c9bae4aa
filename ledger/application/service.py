"""The ledger's application service: every command a user can give, as one method each.

Each command loads the aggregates it touches, lets them decide, and saves all their new events
in one transaction. A concurrent write that got there first surfaces as `ConcurrencyError`;
the command is not retried, because the caller decided on a state that no longer exists.
"""

import contextlib
import copy
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper
from eventsourcing.utils import Environment, EnvType

from ledger.application.breach_commands import BreachCommands
from ledger.application.case_commands import CaseCommands
from ledger.application.case_holds import CaseHolds
from ledger.application.complaint_commands import ComplaintCommands
from ledger.application.complaint_followup import ComplaintFollowUpCommands
from ledger.application.escalation_commands import EscalationCommands
from ledger.application.history import HistoryEntry, history_entries
from ledger.application.incident_commands import IncidentCommands
from ledger.application.notice_commands import NoticeCommands
from ledger.application.numbering import NumberGate
from ledger.application.scope import RequestScope
from ledger.application.subject_commands import SubjectCommands, erasure_records
from ledger.application.transcodings import ledger_transcodings
from ledger.audit.access_log import AccessLog
from ledger.audit.log_rows import LogEntry
from ledger.clock import Clock, SystemClock
from ledger.errors import ConcurrencyError, DomainError, InvalidValueError, NotFoundError
from ledger.policy.service_policy import Policy
from ledger.staff.directory import StaffDirectory
from ledger.store.bootstrap import prepare_database
from ledger.store.committing import GroupCommitting
from ledger.store.idle_check import install_idle_check
from ledger.store.recorders import AppendOnlyPostgresApplicationRecorder
from ledger.store.side_tables import SideTables
from ledger.topics import register_moved_modules
from privacy.fields import Personal
from privacy.keys.keystore import SubjectErasedError, SubjectKeyStore
from privacy.keys.master_key import MasterKeyring
from privacy.keys.stream_subjects import StreamNotingMapper

A = TypeVar("A", bound=Aggregate)


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's projector without its per-event `isinstance` against a runtime Protocol,
    which on Python 3.11 costs ~20 µs an event: most of a small stream's replay."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class LedgerApplication(
    ComplaintCommands,
    ComplaintFollowUpCommands,
    EscalationCommands,
    IncidentCommands,
    BreachCommands,
    CaseCommands,
    SubjectCommands,
    NoticeCommands,
    Application[UUID],
):
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
        self.keys = SubjectKeyStore(keyring, now=self.clock.now)
        prepare_database(env)
        try:
            super().__init__(env)
            datastore = self.recorder.datastore  # type: ignore[attr-defined]
            install_idle_check(datastore)
            self.side_tables = SideTables(datastore)
            self.number_gates: dict[tuple[str, int], NumberGate] = {}
            self.side_tables.create()
            events_table = self.recorder.events_table_name  # type: ignore[attr-defined]
            self.keys.attach(datastore, erasure_records(f'"{datastore.schema}"."{events_table}"'))
            self.case_holds = CaseHolds(datastore, events_table)  # what an erasure must not pass
            self.case_holds.create_index()
            if isinstance(self.recorder, AppendOnlyPostgresApplicationRecorder):
                self.recorder.subject_keys = self.keys  # key rows come back with a stream's events
            self.access_log = AccessLog(datastore)
            self.staff = StaffDirectory(datastore)  # whom a command may name as a person
            # Concurrent saves share one write transaction (and one table lock); see group_commit.
            if isinstance(self.recorder, GroupCommitting):
                # A request's row rides with its events.
                self.recorder.audit_log = self.access_log.log
                if group_commit:
                    self.recorder.enable_group_commit()
        except BaseException:
            # A store that failed half-way (no connection, a refused table) is closed here, not
            # left to the garbage collector, which may run on one of its pool's own threads and
            # fail there ("cannot join current thread").
            with contextlib.suppress(AttributeError):
                self.close()
            raise

    def close(self) -> None:
        """Close the store, and the reference leases' own connections."""
        try:
            for gate in list(getattr(self, "number_gates", {}).values()):
                gate.close()
        finally:
            super().close()

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
        `DuplicateRequestError`, and nothing is stored. A request that answers in one commit
        (`RequestScope.hold_saves`) keeps its plain saves until `commit_held`.
        """
        if self.scope is not None and self.scope.holding:
            if not kwargs:
                self.scope.hold(objs)
                return []
            objs = (*self.scope.take_held(), *objs)  # a save carrying more takes the held along
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

    def commit_held(self, audit: Sequence[LogEntry]) -> bool:
        """Store the request's held saves with its audit-log rows, in one transaction; False
        when they hold no new event (the rows are then the caller's to append)."""
        held = self.scope.take_held() if self.scope is not None else []
        if not any(aggregate.pending_events for aggregate in held):
            return False  # nothing to store: no transaction for the rows to ride in
        self.save(*held, audit=audit)
        return True

    @contextmanager
    def _saving(self, *aggregates: Aggregate) -> Iterator[None]:
        yield
        self.save(*aggregates)

    def _now(self) -> datetime:
        return self.clock.now()

    def get_history(self, aggregate_id: UUID) -> list[HistoryEntry]:
        """Every stored event of one stream, in order."""
        entries = history_entries(self.events.get(aggregate_id))
        if not entries:
            raise NotFoundError(f"no record with id {aggregate_id}")
        return entries

    def _check_department(self, department: str, *, field: str) -> None:
        if department not in self.policy.departments:
            raise InvalidValueError(
                f"unknown department; expected one of {self.policy.departments}", field=field
            )
