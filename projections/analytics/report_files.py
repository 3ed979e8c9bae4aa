"""Where reports are kept: `<kind>-<label>.html`, readable by the service's user only (0600).

Labels sort in time order (`2026-W10`, `2026-03`), so the latest report of a kind is the last
name; a report written again for the same period replaces the earlier one atomically.
"""

import os
from pathlib import Path

from privacy.files import private_directory, private_file
from projections.analytics.report import KINDS


def write_report(directory: Path, kind: str, label: str, html: str) -> Path:
    """Write the page (0600, by rename so a reader never sees half of it); return its path."""
    private_directory(directory)
    path = directory / f"{kind}-{label}.html"
    partial = directory / f".{path.name}.partial"
    with private_file(partial, encoding="utf-8") as out:
        out.write(html)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    return path


def latest_report(directory: Path, kind: str) -> Path | None:
    """The newest report of `kind` in `directory`, if there is one."""
    if kind not in KINDS or not directory.is_dir():
        return None
    found = sorted(directory.glob(f"{kind}-*.html"))
    return found[-1] if found else None
