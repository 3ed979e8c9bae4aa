"""What every row gets: the scale, a scratch directory and a way to show a figure at once."""

from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.harness import Figure, Scale, summary


@dataclass(frozen=True)
class BenchContext:
    scale: Scale
    scratch: Path  # files of this run (server data directories and logs); removed after
    # Figures already printed: a row that runs for most of an hour (the 10 M ledger) shows each
    # figure as it is measured, so a run stopped early still leaves what it measured.
    shown: list[Figure] = field(default_factory=list)

    def show(self, figure: Figure) -> Figure:
        print(f"  {figure.name}: {summary(figure)}", flush=True)
        self.shown.append(figure)
        return figure
