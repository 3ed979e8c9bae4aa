"""Random command sequences against one Escalation: the rules hold and replay rebuilds it.

Every rule sends a command from a random role, valid or not; a refused command
(`DomainError`) must leave no event behind. After every step the invariants are checked and
the events collected so far are replayed from nothing into an escalation equal to the live one.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ledger.cases.escalation import ACKNOWLEDGED, RAISED, RESOLVED, Escalation
from ledger.errors import DomainError
from ledger.values import ESCALATION_LEVELS, level_rank
from tests.unit.test_escalation import RAISED_AT, actor, raise_

ROLES = ("agent", "department_staff", *ESCALATION_LEVELS)
ORDER = (RAISED, ACKNOWLEDGED, RESOLVED)
TEXT = st.sampled_from(["Customer threatens to leave", "", "   "])


class EscalationLifecycle(RuleBasedStateMachine):
    """One escalation under a random stream of commands, a minute apart."""

    def __init__(self) -> None:
        super().__init__()
        self.now = RAISED_AT
        self.escalation: Escalation | None = None
        self.events: list[Any] = []
        self.furthest = 0
        self.events_when_resolved: int | None = None

    @initialize(
        level=st.sampled_from(ESCALATION_LEVELS),
        skip_reason=st.none() | TEXT,
    )
    def raise_it(self, level: str, skip_reason: str | None) -> None:
        try:
            self.escalation = raise_(level=level, skip_reason=skip_reason)
        except DomainError:
            # Skipping a rung without a reason is refused; the plain first rung never is.
            assert level_rank(level) > 1
            assert not (skip_reason and skip_reason.strip())
            self.escalation = raise_()
        self.events = self.escalation.collect_events()

    @property
    def live(self) -> Escalation:
        assert self.escalation is not None
        return self.escalation

    def attempt(self, command: Callable[..., None], **arguments: Any) -> None:
        """Send one command; a refusal is allowed, but must leave no events behind."""
        self.now += timedelta(minutes=1)
        try:
            command(**arguments, at=self.now)
        except DomainError:
            assert self.live.collect_events() == [], "a refused command recorded events"
        else:
            self.events += self.live.collect_events()
        if self.live.status == RESOLVED and self.events_when_resolved is None:
            self.events_when_resolved = len(self.events)

    @rule(role=st.sampled_from(ROLES))
    def acknowledge(self, role: str) -> None:
        self.attempt(self.live.acknowledge, actor=actor(role))

    @rule(role=st.sampled_from(ROLES), outcome=TEXT)
    def resolve(self, role: str, outcome: str) -> None:
        self.attempt(self.live.resolve, outcome=outcome, actor=actor(role))

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def status_only_moves_forward(self) -> None:
        if self.escalation is None:
            return
        position = ORDER.index(self.live.status)
        assert position >= self.furthest
        self.furthest = position

    @invariant()
    def acknowledged_only_at_its_level_or_above(self) -> None:
        if self.escalation is None or self.live.acknowledged_by is None:
            return
        role = self.live.acknowledged_by.removesuffix("-1")
        assert level_rank(role) >= level_rank(self.live.level)

    @invariant()
    def resolved_only_after_acknowledgement_with_an_outcome(self) -> None:
        if self.escalation is None or self.live.status != RESOLVED:
            return
        assert self.live.acknowledged_at is not None
        assert self.live.outcome is not None and self.live.outcome.strip()

    @invariant()
    def a_skipped_rung_always_has_a_reason(self) -> None:
        if self.escalation is None:
            return
        if level_rank(self.live.level) > 1:
            assert self.live.skip_reason is not None and self.live.skip_reason.strip()

    @invariant()
    def resolved_is_terminal(self) -> None:
        if self.events_when_resolved is not None:
            assert len(self.events) == self.events_when_resolved

    @invariant()
    def replaying_the_events_rebuilds_the_escalation(self) -> None:
        if self.escalation is None:
            return
        rebuilt = None
        for event in self.events:
            rebuilt = event.mutate(rebuilt)
        assert rebuilt is not None
        assert rebuilt.version == self.live.version == len(self.events)
        live = {k: v for k, v in vars(self.live).items() if k != "_pending_events"}
        replayed = {k: v for k, v in vars(rebuilt).items() if k != "_pending_events"}
        assert replayed == live


EscalationLifecycle.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestEscalationLifecycle = EscalationLifecycle.TestCase
