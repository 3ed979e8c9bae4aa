"""The Notice aggregate's first event: a notice raised before audiences were checked."""

import json
from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.application import Application

from ledger.notifications.notice import Notice


def _notice(nobody: list[str]) -> Notice:
    return Notice(
        source="stream:3",
        rule="sla_breached",
        record_kind="complaint",
        record_id=uuid4(),
        reference="CMP-2026-000001",
        department="service",
        due=None,
        facts={"clock": "first_response"},
        recipients=["staff:sup-1"],
        nobody=nobody,
        timestamp=datetime(2026, 3, 2, tzinfo=UTC),
    )


def test_a_notice_keeps_the_audiences_that_named_nobody() -> None:
    app = Application[object]()
    notice = _notice(["owner"])
    app.save(notice)
    assert app.repository.get(notice.id).nobody == ["owner"]


def test_a_notice_raised_before_audiences_were_checked_names_nobody_on_record() -> None:
    app = Application[object]()
    stored = app.mapper.to_stored_event(_notice(["owner"]).collect_events()[0])
    state = json.loads(stored.state)
    del state["nobody"], state["class_version"]  # as version 1 stored it
    old = replace(stored, state=json.dumps(state).encode())
    raised = app.mapper.to_domain_event(old)
    assert raised.nobody == []  # type: ignore[attr-defined]
