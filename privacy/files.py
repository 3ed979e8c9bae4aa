"""Files holding personal data or keys: readable by their owner only, whatever the umask."""

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def private_file(path: str | Path, mode: str = "w", **options: Any) -> IO[Any]:
    """Open `path` for writing (created or truncated) as mode 0600, also if it existed before."""
    if not mode.startswith("w"):
        raise ValueError("private_file opens files for writing only")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
        return os.fdopen(descriptor, mode, **options)
    except BaseException:
        os.close(descriptor)
        raise


def private_directory(path: str | Path) -> Path:
    """Make `path` (and missing parents) and set it to mode 0700."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(DIRECTORY_MODE)
    return directory
