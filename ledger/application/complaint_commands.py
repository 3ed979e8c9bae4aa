"""The application's commands on complaints: registration through resolution.

A mixin that `LedgerApplication` inherits, like `IncidentCommands`; what follows the answer
(feedback, reopening, waiting on the customer, closure) is `ComplaintFollowUpCommands`.
"""

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from ledger.application.case_commands import CaseCommands
from ledger.cases.complaint import Complaint
from ledger.cases.references import COMPLAINT_REFERENCES
from ledger.errors import InvalidValueError
from ledger.policy.service_policy import Policy
from ledger.store.side_tables import SideTables
from ledger.values import Actor, Customer
from privacy.fields import Personal
from privacy.keys.keystore import SubjectKeyStore

A = TypeVar("A", bound=Aggregate)


class ComplaintCommands(CaseCommands):
    """Register, classify, assign, answer, resolve, reopen and close complaints."""

    if TYPE_CHECKING:  # provided by LedgerApplication
        policy: Policy
        side_tables: SideTables
        keys: SubjectKeyStore

        def _get(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A: ...
        def _saving(self, *aggregates: Aggregate) -> AbstractContextManager[None]: ...
        def _now(self) -> datetime: ...
        def save(self, *objs: Any, **kwargs: Any) -> Any: ...
        def _check_department(self, department: str, *, field: str) -> None: ...

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
        first_contact_at: datetime | None = None,
        actor: Actor,
    ) -> Complaint:
        """Register a complaint and give it the next reference of its year.

        `first_contact_at`, when the customer first got in touch before this registration,
        starts the registration clock (`registration_within` of the policy)."""
        department = department or self.policy.intake_department
        self._check_department(department, field="department")
        now = self._now()
        index = self.keys.blind_index
        unindexed: list[tuple[str, str | None]] = [
            ("phone", customer_phone),
            ("email", customer_email),
            ("name", customer_name),
        ]
        if subject_id is None and index is not None:
            # A returning customer (a contact and the name match): their earlier records and
            # this one are one person's, so one erasure reaches them all.
            subject_id, found_unindexed = index.lookup(
                name=customer_name, phone=customer_phone, email=customer_email
            )
            unindexed = list(found_unindexed)
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

        def register(reference: str) -> Complaint:
            nonlocal new_subject
            complaint = Complaint.register(
                reference=reference,
                channel=channel,
                customer=customer,
                summary=Personal.of(subject, summary),
                description=Personal.of(subject, description),
                department=department,
                first_contact_at=first_contact_at,
                registration_due=(
                    self.policy.registration_due(first_contact_at) if first_contact_at else None
                ),
                actor=actor,
                at=now,
            )
            if new_subject:  # a person just minted: their data key in one statement, not three
                self.keys.prepare_new_subject(subject)
                new_subject = False
            return complaint

        complaint = self._create_numbered(COMPLAINT_REFERENCES, now.year, register)
        if index is not None:
            index.add(subject, unindexed)
        return complaint

    def get_complaint(self, complaint_id: UUID, *, version: int | None = None) -> Complaint:
        return self._get(Complaint, complaint_id, version)

    def find_complaint(self, id_or_reference: str) -> Complaint:
        """Look a complaint up by its UUID or its human-readable reference."""
        return self._find(Complaint, COMPLAINT_REFERENCES, id_or_reference)

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
            raise InvalidValueError(
                f"unknown category; expected one of {self.policy.categories}", field="category"
            )
        if priority not in self.policy.priorities:
            raise InvalidValueError(
                f"unknown priority; expected one of {tuple(self.policy.priorities)}",
                field="priority",
            )
        if customer_tier not in self.policy.tier_first_response:
            raise InvalidValueError(
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
                    registered_at=complaint.registered_at,
                    priority=priority,
                    tier=customer_tier,
                    category=category,
                    channel=complaint.channel,
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
                feedback_due=self.policy.calendar.add(now, self.policy.feedback_due),
                actor=actor,
                at=now,
            )
        return complaint
