"""Delivery through real receivers: signed webhooks, e-mail over SMTP, retries, dead letters."""

import json
from datetime import timedelta
from uuid import UUID

from ledger.application.service import LedgerApplication
from ledger.clock import ManualClock
from ledger.notifications.subscriptions import Subscriptions
from projections.engine.read_side import ReadSide
from projections.notifications.notifier import Notifier
from tests.conftest import START
from tests.notifications.conftest import WebhookReceiver
from tests.projections.conftest import AGENT, new_complaint


def _subscribe(
    subscriptions: Subscriptions, webhook: WebhookReceiver, kinds: tuple[str, ...] = ()
) -> UUID:
    return subscriptions.add(
        url=webhook.url, secret=webhook.secret, kinds=kinds, departments=(), at=START, by="admin-1"
    ).subscription_id


def _breach(ledger: LedgerApplication, clock: ManualClock, read_side: ReadSide) -> UUID:
    """An urgent complaint whose first response is missed: the worker records the breach."""
    cid = new_complaint(ledger, priority="urgent")
    clock.advance(timedelta(hours=2, minutes=1))
    read_side.catch_up()
    read_side.escalate_overdue()
    return cid


def test_a_breach_reaches_a_webhook_signed_per_standard_webhooks(
    ledger: LedgerApplication,
    clock: ManualClock,
    notifier: Notifier,
    read_side: ReadSide,
    subscriptions: Subscriptions,
    webhook: WebhookReceiver,
) -> None:
    _subscribe(subscriptions, webhook)
    cid = _breach(ledger, clock, read_side)
    notifier.run_once()
    kinds = sorted(p["data"]["kind"] for p in webhook.received)
    assert kinds == ["escalation_raised", "sla_breached"]
    breach = next(p for p in webhook.received if p["data"]["kind"] == "sla_breached")
    assert breach["data"]["record"]["id"] == str(cid)
    assert breach["data"]["facts"] == {"clock": "first_response"}


def test_a_breach_is_mailed_to_the_owner_and_the_next_level_up(
    ledger: LedgerApplication,
    clock: ManualClock,
    notifier: Notifier,
    read_side: ReadSide,
    smtp: tuple,
) -> None:
    _breach(ledger, clock, read_side)
    notifier.run_once()
    mailbox = smtp[1]
    breach_mail = [m for m in mailbox.messages if "sla breached" in m["Subject"]]
    assert sorted(m["X-Envelope-To"] for m in breach_mail) == [
        "agent7@staff.test",
        "sup1@staff.test",
    ]
    parts = [part.get_content_type() for part in breach_mail[0].walk()]
    assert "text/plain" in parts and "text/html" in parts


def test_no_plaintext_customer_data_leaves_in_any_body(
    ledger: LedgerApplication,
    clock: ManualClock,
    notifier: Notifier,
    read_side: ReadSide,
    subscriptions: Subscriptions,
    webhook: WebhookReceiver,
    smtp: tuple,
) -> None:
    _subscribe(subscriptions, webhook)
    cid = new_complaint(ledger, priority="urgent", customer_phone="13800138000")
    ledger.request_handoff(complaint_id=cid, to_department="technical", reason="fault", actor=AGENT)
    clock.advance(timedelta(hours=3))
    read_side.catch_up()
    read_side.escalate_overdue()
    notifier.run_once()
    bodies = [json.dumps(p) for p in webhook.received] + [m.as_string() for m in smtp[1].messages]
    assert len(bodies) >= 4
    for body in bodies:
        assert "Wang Wu" not in body
        assert "13800138000" not in body


def test_a_receiver_that_fails_then_recovers_gets_the_same_id_after_backoff(
    ledger: LedgerApplication,
    clock: ManualClock,
    notifier: Notifier,
    read_side: ReadSide,
    subscriptions: Subscriptions,
    webhook: WebhookReceiver,
) -> None:
    sub = _subscribe(subscriptions, webhook)
    _breach(ledger, clock, read_side)
    webhook.fail_next = 4  # both notifications fail twice
    notifier.run_once()
    assert webhook.refused == 2 and webhook.received == []
    clock.advance(timedelta(seconds=59))
    notifier.run_once()  # before the first retry time: nothing is attempted
    assert webhook.refused == 2
    clock.advance(timedelta(seconds=1))
    notifier.run_once()  # first retry at +1 min: fails again
    clock.advance(timedelta(minutes=1, seconds=59))
    notifier.run_once()  # the second retry waits 2 min
    assert webhook.refused == 4 and webhook.received == []
    clock.advance(timedelta(seconds=1))
    notifier.run_once()
    assert len(webhook.received) == 2
    delivered = sorted(p["data"]["notification_id"] for p in webhook.received)
    assert sorted(webhook.ids) == delivered
    assert sorted(set(webhook.attempt_ids)) == delivered  # every retry under the same id
    assert len(webhook.attempt_ids) == 6
    notice = ledger.get_notice(UUID(webhook.received[0]["data"]["notice_id"]))
    recipient = f"webhook:{sub}"
    attempts = [
        (type(e).__name__, e.attempt, e.status)
        for e in ledger.events.get(notice.id)
        if getattr(e, "recipient", None) == recipient and hasattr(e, "attempt")
    ]
    assert attempts == [
        ("DeliveryFailed", 1, 503),
        ("DeliveryFailed", 2, 503),
        ("Delivered", 3, 204),
    ]


def test_a_notification_is_dead_lettered_after_its_attempts_and_replayed_under_its_id(
    ledger: LedgerApplication,
    clock: ManualClock,
    notifier: Notifier,
    read_side: ReadSide,
    subscriptions: Subscriptions,
    webhook: WebhookReceiver,
) -> None:
    # Hours pass below: the reminder of the unacknowledged escalation is not this test's.
    sub = _subscribe(subscriptions, webhook, ("sla_breached", "escalation_raised"))
    _breach(ledger, clock, read_side)
    webhook.fail_next = 1000
    for _ in range(4):  # three attempts (the fixture's maximum), then nothing more
        notifier.run_once()
        clock.advance(timedelta(hours=1))
    assert webhook.refused == 6
    dead = {e.notification_id: e for e in _events(ledger, "DeadLettered")}
    assert len(dead) == 2 and {e.attempt for e in dead.values()} == {3}
    webhook.fail_next = 0
    event = next(iter(dead.values()))
    ledger.replay_notification(event.originator_id, recipient=f"webhook:{sub}", actor=AGENT)
    notifier.run_once()
    assert webhook.ids == [str(event.notification_id)]
    delivered = [e for e in _events(ledger, "Delivered") if e.recipient.startswith("webhook:")]
    assert [(e.notification_id, e.attempt) for e in delivered] == [(event.notification_id, 4)]


def _events(ledger: LedgerApplication, name: str) -> list:
    return [
        e
        for n in ledger.recorder.select_notifications(start=1, limit=10_000)
        if n.topic.endswith(f"Notice.{name}")
        for e in [ledger.mapper.to_domain_event(n)]
    ]
