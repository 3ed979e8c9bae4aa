"""Helpers for read-side tests: a read side on the ledger under test, and scripted complaints."""

from typing import Any
from uuid import UUID

import pytest

from ledger.application.service import LedgerApplication
from ledger.values import Actor
from projections.engine.read_side import ReadSide
from projections.engine.tables import Row

AGENT = Actor("agent-7", "agent", "service")
TECH = Actor("tech-3", "department_staff", "technical")


@pytest.fixture
def store() -> str:
    """The read side runs on PostgreSQL only."""
    return "postgres"


@pytest.fixture
def read_side(ledger: LedgerApplication) -> ReadSide:
    return ReadSide(ledger)


def new_complaint(
    ledger: LedgerApplication, *, priority: str = "urgent", category: str = "complaint", **kw: Any
) -> UUID:
    complaint = ledger.register_complaint(
        channel=kw.pop("channel", "phone"),
        customer_name="Wang Wu",
        summary="Router keeps rebooting",
        description="Since the update",
        actor=AGENT,
        **kw,
    )
    ledger.classify_complaint(complaint.id, category=category, priority=priority, actor=AGENT)
    ledger.assign_complaint(complaint.id, actor=AGENT)
    return complaint.id


def dump_views(side: ReadSide) -> dict[str, list[Row]]:
    """Every row of every projection's active generation, in key order."""
    found: dict[str, list[Row]] = {}
    for name, projection in side.projections.items():
        generation = side.generation(name)
        for table in projection.tables:
            found[table.name] = side.db.select(
                table,
                f"SELECT {table.select_list} FROM {side.db.physical(table, generation)} "
                f"ORDER BY {', '.join(table.key)}",
            )
    return found
