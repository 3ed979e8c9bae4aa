"""What every row gets: the scale and a scratch directory."""

from dataclasses import dataclass
from pathlib import Path

from tests.bench.harness import Scale


@dataclass(frozen=True)
class BenchContext:
    scale: Scale
    scratch: Path  # files of this run (server data directories and logs); removed after
