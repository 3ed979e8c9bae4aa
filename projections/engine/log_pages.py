"""A batch of the notification log as a projection reads it: every id, the bytes of its events.

A projection tracks every notification (so that its position reaches the head of the log) but
reads only the events of its topics. The library's `select_notifications` sends every column of
every row as text (a state as hex digits) and builds a `Notification` of each; here the rows
come back binary, and only the rows of the projection's topics carry their stream, topic and
state: for the outbox, a tenth of the log, the rest is a notification id each. Rows, order and
positions are the library's (`notification_id` from `start` to `stop`, `limit` of them).
"""

from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.utils import retry
from psycopg.rows import tuple_row

from projections.engine.stored_events import ProjectedEvent, read_events

Page = tuple[int, int, list[tuple[int, ProjectedEvent]]]  # how many read, last id, events


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def read_page(
    app: Application[Any], start: int, limit: int, stop: int | None, topics: frozenset[str]
) -> Page | None:
    """Notifications `start`.. (up to `stop`), at most `limit`; None when there are none."""
    mapper: Any = app.mapper
    recorder: Any = app.recorder
    if mapper.compressor is not None or mapper.cipher is not None:
        # Whole events compressed or encrypted: the mapper decodes them (stored_events.py).
        notifications = list(recorder.select_notifications(start=start, limit=limit, stop=stop))
        if not notifications:
            return None
        events = read_events(app, notifications, topics)
        return len(notifications), notifications[-1].id, events
    wanted = sorted(topics)
    where, params = "notification_id >= %s", [start]
    if stop is not None:
        where += " AND notification_id <= %s"
        params.append(stop)
    statement = (
        "SELECT notification_id, w.topic, w.originator_id, w.originator_version, w.state "  # noqa: S608
        f'FROM "{recorder.datastore.schema}"."{recorder.events_table_name}" '
        "LEFT JOIN LATERAL (SELECT topic, originator_id, originator_version, state "
        "WHERE topic = ANY(%s)) w ON true "
        f"WHERE {where} ORDER BY notification_id LIMIT %s"
    )
    with recorder.datastore.get_connection() as connection:
        with connection.cursor(row_factory=tuple_row, binary=True) as cursor:
            cursor.execute(statement, [wanted, *params, limit], prepare=True)
            rows = cursor.fetchall()
    if not rows:
        return None
    events = [
        (nid, ProjectedEvent(topic.partition(":")[2], stream, version, None, state))
        for nid, topic, stream, version, state in rows
        if topic is not None
    ]
    return len(rows), rows[-1][0], events
