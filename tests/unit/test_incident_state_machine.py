"""Any sequence of incident commands keeps the rules: phases only move forward, milestones stay
in order, an incident closes only with its whole plan verified or waived, and replaying the
events rebuilds the same incident."""

from datetime import timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ledger.errors import DomainError
from ledger.incidents.incident import (
    ACTION_VERIFIED,
    ACTION_WAIVED,
    CLOSED,
    LEVELS,
    MILESTONES,
    STATUSES,
    Incident,
)
from tests.unit.test_incident import (
    MANAGER,
    OWNER,
    RULES,
    T0,
    activate,
    assess,
    mitigate,
    reported,
    resolve,
    review,
)


class IncidentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.incident: Incident = reported()
        self.minutes = 0
        self.furthest = 0

    def _now(self) -> Any:
        return T0 + timedelta(minutes=self.minutes)

    def _try(self, command: Any) -> None:
        self.minutes += 7
        try:
            command()
        except DomainError:
            pass

    @rule()
    def assess(self) -> None:
        self._try(lambda: assess(self.incident, minutes=self.minutes))

    @rule()
    def activate(self) -> None:
        self._try(lambda: activate(self.incident, minutes=self.minutes))

    @rule(kind=st.sampled_from(["action", "status_update", "resource_allocation"]))
    def log(self, kind: str) -> None:
        self._try(
            lambda: self.incident.log(
                kind=kind, text="entry", personal_text=None, actor=MANAGER, at=self._now()
            )
        )

    @rule(level=st.sampled_from(LEVELS))
    def change_level(self, level: str) -> None:
        self._try(
            lambda: self.incident.change_level(
                level=level, reason="why", actor=MANAGER, at=self._now()
            )
        )

    @rule(name=st.sampled_from(MILESTONES), back=st.integers(min_value=0, max_value=600))
    def set_milestone(self, name: str, back: int) -> None:
        self._try(
            lambda: self.incident.set_milestone(
                name=name,
                occurred_at=self._now() - timedelta(minutes=back),
                actor=MANAGER,
                at=self._now(),
            )
        )

    @rule()
    def mitigate(self) -> None:
        self._try(lambda: mitigate(self.incident, minutes=self.minutes))

    @rule()
    def resolve(self) -> None:
        self._try(lambda: resolve(self.incident, minutes=self.minutes))

    @rule()
    def review(self) -> None:
        self._try(lambda: review(self.incident, minutes=self.minutes))

    @rule()
    def add_item(self) -> None:
        self._try(
            lambda: self.incident.add_action_item(
                description="improve",
                owner=OWNER.staff_id,
                due=self._now() + timedelta(days=3),
                verify_due=self._now() + RULES.verify_within,
                actor=MANAGER,
                at=self._now(),
            )
        )

    @rule(index=st.integers(min_value=1, max_value=4), step=st.sampled_from(["c", "v", "w"]))
    def work_item(self, index: int, step: str) -> None:
        item = f"A{index}"
        actions = {
            "c": lambda: self.incident.complete_action_item(
                item_id=item, note="done", actor=OWNER, at=self._now()
            ),
            "v": lambda: self.incident.verify_action_item(
                item_id=item, actor=MANAGER, at=self._now()
            ),
            "w": lambda: self.incident.waive_action_item(
                item_id=item, reason="not needed", actor=MANAGER, at=self._now()
            ),
        }
        self._try(actions[step])

    @rule()
    def close(self) -> None:
        self._try(lambda: self.incident.close(actor=MANAGER, at=self._now()))

    @invariant()
    def phases_only_move_forward(self) -> None:
        position = STATUSES.index(self.incident.status)
        assert position >= self.furthest
        self.furthest = position

    @invariant()
    def milestones_stay_in_order(self) -> None:
        times = [self.incident.milestones[m] for m in MILESTONES if m in self.incident.milestones]
        assert times == sorted(times)

    @invariant()
    def closed_only_with_the_plan_settled(self) -> None:
        if self.incident.status == CLOSED:
            assert all(
                item["status"] in (ACTION_VERIFIED, ACTION_WAIVED)
                for item in self.incident.action_items.values()
            )

    def teardown(self) -> None:
        copy: Any = None
        for event in self.incident.collect_events():
            copy = event.mutate(copy)
        assert copy.__dict__ == self.incident.__dict__


IncidentMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
test_incident_rules_hold_for_any_sequence_of_commands = IncidentMachine.TestCase
