"""Bring a projection up to date by pulling the application's notification log.

Works on both stores (SQLite cannot feed the library's subscription-based runner). Each event
commits its view change together with its tracking record, so an event is applied exactly once
even when several processes catch up at the same time: the loser's tracking insert fails and its
transaction rolls back.
"""

from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import Projection

BATCH = 500


def catch_up(app: Application[Any], projection: Projection[Any], *, tracking_name: str) -> int:
    """Apply every notification after the projection's position; return the new position."""
    position = projection.view.max_tracking_id(tracking_name) or 0
    while True:
        notifications = app.recorder.select_notifications(
            start=position + 1, limit=BATCH, topics=projection.topics
        )
        for notification in notifications:
            event = app.mapper.to_domain_event(notification)
            try:
                projection.process_event(event, Tracking(tracking_name, notification.id))
            except IntegrityError:
                # Another worker applied it first; continue from where it has got to.
                return projection.view.max_tracking_id(tracking_name) or position
            position = notification.id
        if len(notifications) < BATCH:
            return position
