"""Files and directories holding personal data or keys are their owner's alone, whatever the umask."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from privacy.files import private_directory, private_file


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("open_umask")
@pytest.mark.parametrize("existing_mode", [None, 0o644, 0o666])
def test_a_private_file_is_mode_0600_new_or_rewritten(tmp_path: Path, existing_mode: int) -> None:
    path = tmp_path / "export.json"
    if existing_mode is not None:
        path.write_text("old")
        path.chmod(existing_mode)
    with private_file(path) as file:
        file.write("new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "new"


@pytest.mark.usefixtures("open_umask")
def test_a_private_directory_is_mode_0700(tmp_path: Path) -> None:
    directory = private_directory(tmp_path / "data" / "keys")
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
