"""The tree served as C2SP tlog-tiles (c2sp.org/tlog-tiles): hash tiles and entry bundles.

A tile at level L, index N holds the hashes of the complete subtrees of 256^L leaves numbered
N * 256 … N * 256 + W - 1 (tree level 8L): exactly the rows (8L, i) of `ledger_merkle_nodes`,
so a tile is one indexed read. W is 256 for a full tile, 1 to 255 for a partial one (`.p/W`).
An entry bundle holds the leaves themselves: each leaf's chain hash (32 bytes, never an event's
contents) behind a big-endian 2-byte length, so SHA-256(0x00 || entry) is the level-0 hash.
N is written in 3-digit path elements, all but the last prefixed with x: x001/x234/067.
"""

import re
from dataclasses import dataclass
from typing import Final

from ledger.errors import NotFoundError
from ledger.integrity.tables import IntegrityTables

HEIGHT: Final = 8
WIDTH: Final = 1 << HEIGHT
MAX_LEVEL: Final = 63
MAX_INDEX: Final = (1 << 63) // WIDTH - 1  # positions are 64-bit signed integers in the store
_ELEMENT = re.compile(r"x\d{3}")
_LAST = re.compile(r"\d{3}")
_PARTIAL = re.compile(r"[1-9]\d{0,2}")


@dataclass(frozen=True)
class TileName:
    """Which tile: its index within its level and its width."""

    index: int
    width: int = WIDTH

    def path(self) -> str:
        """The N[.p/W] part of a tile's path."""
        digits = f"{self.index % 1000:03d}"
        rest = self.index // 1000
        while rest:
            digits = f"x{rest % 1000:03d}/{digits}"
            rest //= 1000
        return digits if self.width == WIDTH else f"{digits}.p/{self.width}"


def parse_tile_name(path: str) -> TileName:
    """N[.p/W] from a tile's path, exactly as the specification writes it (else not found)."""
    elements = path.split("/")
    width = WIDTH
    if len(elements) >= 2 and elements[-2].endswith(".p"):
        if not _PARTIAL.fullmatch(elements[-1]) or int(elements[-1]) >= WIDTH:
            raise NotFoundError(f"not a tile: {path!r} (a partial width is 1 to 255)")
        width = int(elements[-1])
        elements = [*elements[:-2], elements[-2][:-2]]
    if not _LAST.fullmatch(elements[-1]) or not all(map(_ELEMENT.fullmatch, elements[:-1])):
        raise NotFoundError(f"not a tile: {path!r} (an index is written like x001/x234/067)")
    if len(elements) > 6:  # seven elements write at least 1000^6, past MAX_INDEX
        raise NotFoundError(f"not a tile: {path!r} (no tree holds that many entries)")
    index = 0
    for element in elements:
        index = index * 1000 + int(element.removeprefix("x"))
    if index > MAX_INDEX:
        raise NotFoundError(f"not a tile: {path!r} (no tree holds that many entries)")
    name = TileName(index, width)
    if name.path() != path:  # leading zero elements: one name per tile
        raise NotFoundError(f"not a tile: {path!r} (write it as {name.path()!r})")
    return name


class Tiles:
    """Tiles and entry bundles of the stored tree (only of subtrees the tree has completed)."""

    def __init__(self, tables: IntegrityTables) -> None:
        self.tables = tables

    def tile(self, level: int, name: TileName) -> bytes:
        if not 0 <= level <= MAX_LEVEL:
            raise NotFoundError(f"no tile level {level} (levels run 0 to {MAX_LEVEL})")
        first = name.index * WIDTH
        keys = [(HEIGHT * level, first + i) for i in range(name.width)]
        found = self.tables.nodes(keys)
        if len(found) != len(keys):
            raise NotFoundError(f"the tree has no tile {level}/{name.path()} (yet)")
        return b"".join(found[key] for key in keys)

    def entries(self, name: TileName) -> bytes:
        first = name.index * WIDTH
        leaves = self.tables.leaves(after=first - 1, below=first + name.width, limit=name.width)
        if len(leaves) != name.width:
            raise NotFoundError(f"the tree has no entry bundle {name.path()} (yet)")
        return b"".join(len(leaf[4]).to_bytes(2, "big") + leaf[4] for leaf in leaves)
