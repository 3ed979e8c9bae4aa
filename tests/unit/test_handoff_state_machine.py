"""Random command sequences against one Handoff: the rules hold and replay rebuilds it.

Every rule sends a command from a random department, valid or not; a refused command
(`DomainError`) must leave no event behind. After every step the invariants are checked and
the events collected so far are replayed from nothing into a handoff equal to the live one.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ledger.cases.handoff import ACCEPTED, COMPLETED, REJECTED, REQUESTED, Handoff
from ledger.errors import DomainError
from tests.unit.test_handoff import (
    NO_DEPARTMENT,
    OUTSIDER,
    RECEIVER,
    REQUESTED_AT,
    SENDER,
    request,
)

ACTORS = st.sampled_from([SENDER, RECEIVER, OUTSIDER, NO_DEPARTMENT])
TEXT = st.sampled_from(["Replaced the unit", "", "  "])
# Where each status may go next; the settled ones go nowhere.
NEXT = {
    REQUESTED: {REQUESTED, ACCEPTED, REJECTED},
    ACCEPTED: {ACCEPTED, COMPLETED},
    REJECTED: {REJECTED},
    COMPLETED: {COMPLETED},
}


class HandoffLifecycle(RuleBasedStateMachine):
    """One handoff under a random stream of commands, a minute apart."""

    def __init__(self) -> None:
        super().__init__()
        self.now = REQUESTED_AT
        self.handoff: Handoff = request()
        self.events = self.handoff.collect_events()
        self.previous = REQUESTED

    def attempt(self, command: Callable[..., None], **arguments: Any) -> None:
        """Send one command; a refusal is allowed, but must leave no events behind."""
        self.now += timedelta(minutes=1)
        try:
            command(**arguments, at=self.now)
        except DomainError:
            assert self.handoff.collect_events() == [], "a refused command recorded events"
        else:
            self.events += self.handoff.collect_events()

    @rule(who=ACTORS)
    def accept(self, who: Any) -> None:
        self.attempt(self.handoff.accept, actor=who)

    @rule(who=ACTORS, reason=TEXT)
    def reject(self, who: Any, reason: str) -> None:
        self.attempt(self.handoff.reject, reason=reason, actor=who)

    @rule(who=ACTORS, result=TEXT)
    def complete(self, who: Any, result: str) -> None:
        self.attempt(self.handoff.complete, result=result, actor=who)

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def status_moves_only_along_the_allowed_paths(self) -> None:
        assert self.handoff.status in NEXT[self.previous]
        self.previous = self.handoff.status

    @invariant()
    def only_the_receiving_department_or_a_departmentless_role_acts(self) -> None:
        assert self.handoff.accepted_by in (None, RECEIVER.staff_id, NO_DEPARTMENT.staff_id)

    @invariant()
    def a_settled_handoff_says_why(self) -> None:
        if self.handoff.status == REJECTED:
            assert self.handoff.rejection_reason and self.handoff.rejection_reason.strip()
        if self.handoff.status == COMPLETED:
            assert self.handoff.accepted_at is not None
            assert self.handoff.result and self.handoff.result.strip()
        if self.handoff.status in (REJECTED, COMPLETED):
            assert self.handoff.settled_at is not None

    @invariant()
    def replaying_the_events_rebuilds_the_handoff(self) -> None:
        rebuilt = None
        for event in self.events:
            rebuilt = event.mutate(rebuilt)
        assert rebuilt is not None
        assert rebuilt.version == self.handoff.version == len(self.events)
        live = {k: v for k, v in vars(self.handoff).items() if k != "_pending_events"}
        replayed = {k: v for k, v in vars(rebuilt).items() if k != "_pending_events"}
        assert replayed == live


HandoffLifecycle.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestHandoffLifecycle = HandoffLifecycle.TestCase
