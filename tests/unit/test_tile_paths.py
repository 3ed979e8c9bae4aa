"""Tile paths in the C2SP tlog-tiles encoding: N in 3-digit elements, .p/W for partial tiles."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import NotFoundError
from ledger.integrity.tiles import MAX_INDEX, TileName, parse_tile_name


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("x001/x234/067", TileName(1234067)),
        ("x001/x234/067.p/8", TileName(1234067, 8)),
        ("000", TileName(0)),
        ("000.p/1", TileName(0, 1)),
        ("x001/000", TileName(1000)),
    ],
)
def test_the_specifications_paths_name_their_tiles(path: str, name: TileName) -> None:
    assert parse_tile_name(path) == name
    assert name.path() == path


@given(st.integers(0, 10**12), st.integers(1, 256))
def test_every_tile_name_round_trips_through_its_path(index: int, width: int) -> None:
    assert parse_tile_name(TileName(index, width).path()) == TileName(index, width)


@pytest.mark.parametrize(
    "path", ["1", "x000/001", "001.p/256", "001.p/0", "001.p/08", "x1/000", "001/x002", ""]
)
def test_a_path_not_written_as_the_specification_writes_it_names_no_tile(path: str) -> None:
    with pytest.raises(NotFoundError):
        parse_tile_name(path)


@pytest.mark.parametrize(
    "path",
    [
        "x036/x028/x797/x018/x963/968",  # the first index whose tile starts past 2^63 - 1
        "x100/x000/x000/x000/x000/000",
        "x001/x000/x000/x000/x000/x000/000",
        "/".join(["x999"] * 40 + ["999"]),
    ],
)
def test_a_tile_past_the_largest_tree_the_store_can_hold_names_no_tile(path: str) -> None:
    with pytest.raises(NotFoundError, match="no tree holds that many"):
        parse_tile_name(path)


def test_the_last_tile_the_store_can_hold_has_a_name() -> None:
    assert parse_tile_name("x036/x028/x797/x018/x963/967") == TileName(MAX_INDEX)
