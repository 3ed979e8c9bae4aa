"""What `ledger verify`'s one read of the events notes about persons, for the key check.

The data-key check (`key_checks`) needs every person whose sealed data an event holds and every
person whose erasure is an event. Both are in the stored bytes the event pass reads anyway, so
they are noted there, page by page, with one regular expression search over a page's states.
(Asked of the database, a regular expression over every event's state cost 70 µs an event,
more than the rest of `ledger verify` together.) The key check reads the events appended after
the pass the same way, by notification id.
"""

import re
from collections.abc import Iterable, Sequence

from ledger.integrity.event_table import EventRow

# A sealed personal value as stored: {"_type_":"personal","_data_":{"s":"<subject id>",...
SEALED = r'"_type_": ?"personal", ?"_data_": ?\{"s": ?"([0-9a-fA-F-]{36})"'
_SEALED = re.compile(SEALED.encode("ascii"))


class PersonsSeen:
    """Subject ids named in sealed values, and the streams of erasure events, of pages read."""

    def __init__(self, erasure_topics: Iterable[str]) -> None:
        self.erasure_topics = frozenset(erasure_topics)
        self._named: set[bytes] = set()
        self.erased: set[bytes] = set()  # data-subject stream ids, 16 bytes each
        self.through: int | None = None  # the highest notification id read

    def note(self, rows: Sequence[EventRow]) -> None:
        """Note the persons of one page of events (in log order)."""
        if not rows:
            return
        # One search of the page's states, joined by a byte no match can span: one call in C.
        self._named.update(_SEALED.findall(b"\0".join([row[4] for row in rows])))
        erasures = self.erasure_topics
        self.erased.update([row[1] for row in rows if row[3] in erasures])
        last = rows[-1][0]
        self.through = last if self.through is None else max(self.through, last)

    @property
    def named(self) -> set[str]:
        """The subject ids named in sealed values, as the events spell them."""
        return {found.decode("ascii") for found in self._named}
