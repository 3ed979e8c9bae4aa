"""The read side as one request reads it: the views it names, pinned at one moment.

A request reads several views (a list and its clocks) and asks where one of them stands; each
answer from `ReadSide` is a query of its own (the active generation, then the position), so a
list page cost five of them before its own. `ReadSide.pinned` reads the active generations and
positions of the named views in one statement; the request then reads those generations to the
end, so its views never mix generations. A rebuild drops the old generation as it switches
(docs/read-side.md): a request that pinned it just before reads a missing table and fails, as a
read between its generation lookup and its query always could; the window is now the request's
few milliseconds instead of one statement's.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from projections.engine.viewdb import ViewDatabase


class Views(Protocol):
    """What reads of views need: the database, each view's generation and position."""

    @property
    def db(self) -> ViewDatabase: ...

    def generation(self, name: str) -> int: ...

    def position(self, name: str) -> int: ...


@dataclass(frozen=True)
class PinnedSide:
    """The active generation and position of each named view, as read once."""

    db: ViewDatabase
    generations: Mapping[str, int]
    positions: Mapping[str, int]
    unpinned: Callable[[str], int]  # the generation of a view not named (read on demand)

    def generation(self, name: str) -> int:
        found = self.generations.get(name)
        return self.unpinned(name) if found is None else found

    def position(self, name: str) -> int:
        found = self.positions.get(name)
        return self.db.position(name, self.generation(name)) if found is None else found
