"""Raw reads of the chained event table, for building the tree and for `ledger verify`.

The library reads events by stream; these read them by notification id, by (stream, version)
and with their chain hashes, as stored. Results come back binary (`IntegrityTables._cursor`):
a stream id as its 16 bytes (`uuid_send`), a state and a hash as bytes, so rows need no
conversion.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any
from uuid import UUID

# Parameters bound per statement where a list of ids is spelled out; the sizes measured.
MAX_PARAMETERS = 900

EventRow = tuple[int, bytes, int, str, bytes, bytes | None]
"""(notification id, stream id bytes, version, topic, state, chain hash) as stored."""

PreviousEvent = tuple[int | None, bytes | None]
"""(version, chain hash) of the event below another in its stream; (None, None) when none is."""

_COLUMNS = "notification_id, uuid_send(originator_id), originator_version, topic, state, chain_hash"


class EventTableReads(ABC):
    """Reads of the event table `events` (schema-qualified), through `_read`."""

    events: str

    @abstractmethod
    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of one statement, as tuples of binary-loaded values."""

    def events_after(
        self,
        notification_id: int,
        *,
        limit: int,
        up_to: int | None = None,
        stream: UUID | None = None,
        with_state: bool = True,
    ) -> list[EventRow]:
        """Stored events after a notification id (up to another), in log order.

        Without state, the topic and state of each row are empty: the fast path for the log.
        """
        where = "notification_id > %s"
        params: list[Any] = [notification_id]
        if up_to is not None:
            where += " AND notification_id <= %s"
            params.append(up_to)
        if stream is not None:
            where += " AND originator_id = %s"
            params.append(stream)
        columns = _COLUMNS if with_state else _COLUMNS.replace("topic, state", "'', ''")
        return self._read(
            f"SELECT {columns} FROM {self.events} WHERE {where} ORDER BY notification_id LIMIT %s",
            [*params, limit],
        )

    def next_notification_id(self, after: int | None = None) -> int | None:
        """The lowest notification id in the event table (above `after`); None if there is none."""
        where, params = ("", []) if after is None else (" WHERE notification_id > %s", [after])
        rows = self._read(f"SELECT MIN(notification_id) FROM {self.events}{where}", params)
        return None if rows[0][0] is None else int(rows[0][0])

    def max_notification_id(self) -> int | None:
        """The highest notification id in the event table; None when it is empty."""
        rows = self._read(f"SELECT MAX(notification_id) FROM {self.events}")
        return None if rows[0][0] is None else int(rows[0][0])

    def previous_events(
        self, streams: Sequence[bytes], versions: Sequence[int], *, up_to: int | None = None
    ) -> list[PreviousEvent]:
        """For each stream and version, the stream's event just below that version: the highest
        version under it (logged at or before `up_to`, if given), in the order asked.

        One index probe per event, in one statement whatever the number of events: `ledger
        verify` asks only for the events whose predecessor it has not just read itself. The
        stream ids go as one blob of 16 bytes each and the versions as text: psycopg dumps
        arrays element by element, which cost 4 µs a stream id as a bytea[] (measured), more
        than the lookup saves.
        """
        below = "" if up_to is None else " AND q.notification_id <= %s"
        params: list[Any] = [",".join(map(str, versions)), b"".join(streams)]
        return self._read(
            "SELECT e.originator_version, e.chain_hash FROM "
            "unnest(string_to_array(%s, ',')::bigint[]) WITH ORDINALITY AS wanted (version, i) "
            "LEFT JOIN LATERAL (SELECT q.originator_version, q.chain_hash "
            f"FROM {self.events} q WHERE q.originator_id = "
            "encode(substring(%s::bytea FROM wanted.i::int * 16 - 15 FOR 16), 'hex')::uuid "
            f"AND q.originator_version < wanted.version{below} "
            "ORDER BY q.originator_version DESC LIMIT 1) e ON true ORDER BY wanted.i",
            params if up_to is None else [*params, up_to],
        )

    def events_in_stream_order(
        self,
        *,
        after: tuple[UUID, int] | None,
        limit: int,
        stream: UUID | None = None,
        up_to: int | None = None,
    ) -> list[EventRow]:
        """Stored events ordered by (stream, version), after a key: keyset pagination."""
        clauses: list[str] = []
        params: list[Any] = []
        if stream is not None:
            clauses.append("originator_id = %s")
            params.append(stream)
        if after is not None:
            clauses.append("(originator_id, originator_version) > (%s, %s)")
            params.extend(after)
        if up_to is not None:
            clauses.append("notification_id <= %s")
            params.append(up_to)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        return self._read(
            f"SELECT {_COLUMNS} FROM {self.events} {where}"
            "ORDER BY originator_id, originator_version LIMIT %s",
            [*params, limit],
        )

    def events_of_streams(self, streams: Sequence[UUID]) -> list[EventRow]:
        """Every stored event of these streams, ordered by (stream, version): one query per
        MAX_PARAMETERS streams, where `events_in_stream_order` takes one per stream."""
        found: list[EventRow] = []
        for start in range(0, len(streams), MAX_PARAMETERS):
            chunk = list(streams[start : start + MAX_PARAMETERS])
            found += self._read(
                f"SELECT {_COLUMNS} FROM {self.events} "
                f"WHERE originator_id IN ({', '.join(['%s'] * len(chunk))}) "
                "ORDER BY originator_id, originator_version",
                chunk,
            )
        return found

    def events_with_topic(self, topic: str) -> list[EventRow]:
        """Every stored event of this topic, in log order (the archive's seals)."""
        return self._read(
            f"SELECT {_COLUMNS} FROM {self.events} WHERE topic = %s ORDER BY notification_id",
            [topic],
        )
