"""Random handoff commands through the real application on PostgreSQL: the rules hold on the
complaint and its handoffs, and reading a handoff back from the stored events always rebuilds
exactly the handoff the last accepted command returned."""

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from psycopg import sql

from ledger.application.service import LedgerApplication
from ledger.cases.handoff import ACCEPTED, REQUESTED, Handoff
from ledger.clock import ManualClock
from ledger.errors import DomainError
from ledger.store.settings import settings_for_url
from ledger.values import Actor
from privacy.keys.master_key import MasterKeyring, key_id_for
from tests.conftest import POSTGRES_URL, START, TEST_MASTER_KEY, require_postgres

AGENT = Actor(staff_id="agent-1", role="agent", department="service")
DEPARTMENTS = ("technical", "logistics", "quality", "service")
ACTORS = st.sampled_from(
    [AGENT, *(Actor(staff_id=f"{d}-1", role="department_staff", department=d) for d in DEPARTMENTS)]
)
TEXT = st.sampled_from(["Needs an engineer", "", " "])


def state(handoff: Handoff) -> dict[str, Any]:
    return {k: v for k, v in vars(handoff).items() if k != "_pending_events"}


class HandoffsThroughTheLedger(RuleBasedStateMachine):
    """One complaint in a fresh ledger (a schema of its own); handoffs requested and settled at
    random."""

    def __init__(self) -> None:
        super().__init__()
        require_postgres()
        self.schema = f"test_{uuid4().hex[:12]}"
        key_id = key_id_for(TEST_MASTER_KEY)
        self.clock = ManualClock(START)
        self.ledger = LedgerApplication(
            settings_for_url(f"{POSTGRES_URL}?schema={self.schema}"),
            keyring=MasterKeyring(current_id=key_id, keys={key_id: TEST_MASTER_KEY}, source="t"),
            clock=self.clock,
        )
        self.complaint_id = self.ledger.register_complaint(
            channel="phone",
            customer_name="Ada Example",
            summary="Kettle broken",
            description="The kettle arrived cracked.",
            actor=AGENT,
        ).id
        self.handoffs: dict[UUID, Handoff] = {}  # as the last accepted command returned each

    def teardown(self) -> None:
        self.ledger.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
            )

    def attempt(self, command: Any, **arguments: Any) -> None:
        self.clock.advance(timedelta(minutes=5))
        try:
            handoff = command(**arguments)
        except DomainError:
            return
        self.handoffs[handoff.id] = handoff

    @rule(to=st.sampled_from(DEPARTMENTS), reason=TEXT, who=ACTORS)
    def request(self, to: str, reason: str, who: Actor) -> None:
        self.attempt(
            self.ledger.request_handoff,
            complaint_id=self.complaint_id,
            to_department=to,
            reason=reason,
            actor=who,
        )

    @precondition(lambda self: bool(self.handoffs))
    @rule(pick=st.integers(min_value=0), who=ACTORS, text=TEXT, step=st.sampled_from("arc"))
    def settle(self, pick: int, who: Actor, text: str, step: str) -> None:
        handoff_id = sorted(self.handoffs)[pick % len(self.handoffs)]
        commands = {
            "a": lambda: self.ledger.accept_handoff(handoff_id, actor=who),
            "r": lambda: self.ledger.reject_handoff(handoff_id, reason=text, actor=who),
            "c": lambda: self.ledger.complete_handoff(handoff_id, result=text, actor=who),
        }
        self.attempt(commands[step])

    @invariant()
    def at_most_one_handoff_is_open_per_complaint(self) -> None:
        stored = [self.ledger.get_handoff(h) for h in self.handoffs]
        assert sum(h.status in (REQUESTED, ACCEPTED) for h in stored) <= 1

    @invariant()
    def reading_back_the_stored_events_rebuilds_each_handoff(self) -> None:
        for handoff_id, live in self.handoffs.items():
            rebuilt = self.ledger.get_handoff(handoff_id)
            assert state(rebuilt) == state(live)
            stored = list(self.ledger.events.get(handoff_id))
            assert [e.originator_version for e in stored] == list(range(1, live.version + 1))


HandoffsThroughTheLedger.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestHandoffsThroughTheLedger = HandoffsThroughTheLedger.TestCase
