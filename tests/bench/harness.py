"""Figures, scales, alternating rounds, and the three outputs: table, JSON, docs."""

import json
import os
import platform
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Scale:
    """How big and how long: `tiny` for the harness test, `small` under 3 min, `full`."""

    name: str
    rounds: int  # alternating A/B rounds per figure
    seconds: float  # length of one timed load phase
    warmup: float  # untimed load before the first round
    clients: int  # concurrent HTTP clients for the full-stack append
    threads: int  # threads of the library baseline
    operations: int  # single-threaded operations per phase (encryption row)
    erasure_events: int  # events of the "big" person in the erasure row
    events: int  # the large ledger (verify, proofs, catch-up, queries): 1 M in the full run
    first_events: int  # where the large ledger's peak RSS is first taken (100 k in the full run)
    query_clients: int  # concurrent readers of the list/queue queries
    lag_rate: int  # appends per second while the commit -> status view lag is measured
    retention_first: int  # closed cases of the retention run's first RSS figure (10 k in full)
    retention_cases: int  # and of its second (100 k in the full run)


SCALES = {
    "tiny": Scale("tiny", 2, 0.25, 0.1, 8, 8, 8, 100, 600, 200, 4, 50, 50, 150),
    "small": Scale(
        "small", 3, 3.0, 1.0, 32, 32, 120, 10_000, 20_000, 10_000, 32, 500, 2_000, 10_000
    ),
    "full": Scale(
        "full", 5, 12.0, 3.0, 32, 32, 400, 10_000, 1_000_000, 100_000, 32, 500, 10_000, 100_000
    ),
    # `make bench-scale`: the large ledger alone at 10 M events (RSS compared with 1 M).
    "10m": Scale(
        "10m", 3, 12.0, 3.0, 32, 32, 400, 10_000, 10_000_000, 1_000_000, 32, 500, 10_000, 100_000
    ),
}


@dataclass
class Figure:
    """One row of the report: a value, its same-run baseline, their ratio and the target."""

    name: str
    value: float | None
    unit: str
    baseline: float | None
    ratio: float | None  # the median over rounds of value/baseline
    target: str
    passed: bool | None  # None: reported only, or not measured
    ratio_min: float | None = None
    ratio_max: float | None = None
    rounds: list[list[float]] = field(default_factory=list)  # [baseline, value] per round
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["pass"] = data.pop("passed")
        return data


def not_measured(name: str, issue: int, target: str) -> Figure:
    return Figure(
        name, None, "", None, None, target, None, note=f"not measured: lands with issue {issue}"
    )


def alternate(
    rounds: int, baseline: Callable[[], float], candidate: Callable[[], float]
) -> list[tuple[float, float]]:
    """Measure A and B in turns (A B, B A, A B, ...) so that drift on a noisy box hits both."""
    results: list[tuple[float, float]] = []
    for n in range(rounds):
        if n % 2 == 0:
            a = baseline()
            b = candidate()
        else:
            b = candidate()
            a = baseline()
        results.append((a, b))
    return results


def rotate(rounds: int, measures: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Three or more contenders: each round starts with the next one (A B C, B C A, ...)."""
    names = list(measures)
    results: dict[str, list[float]] = {name: [] for name in names}
    for n in range(rounds):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            results[name].append(measures[name]())
    return results


def ratio_figure(
    name: str,
    pairs: Sequence[tuple[float, float]],
    *,
    unit: str,
    target: str,
    passes: Callable[[float], bool] | None,
    note: str = "",
) -> Figure:
    """A figure whose value and baseline are medians and whose ratio is value/baseline per round."""
    ratios = [b / a if a else float("inf") for a, b in pairs]
    ratio = statistics.median(ratios)
    return Figure(
        name=name,
        value=statistics.median(b for _, b in pairs),
        unit=unit,
        baseline=statistics.median(a for a, _ in pairs),
        ratio=ratio,
        target=target,
        passed=None if passes is None else passes(ratio),
        ratio_min=min(ratios),
        ratio_max=max(ratios),
        rounds=[[a, b] for a, b in pairs],
        note=note,
    )


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


# -- output ------------------------------------------------------------------------------------


def summary(figure: Figure) -> str:
    """One line for a figure as it is measured: its value, and its ratio with the spread."""
    if figure.value is None:
        return figure.note
    ratio = (
        ""
        if figure.ratio is None
        else f", ratio {figure.ratio:.2f} ({figure.ratio_min:.2f}-{figure.ratio_max:.2f})"
    )
    return f"{figure.value:.4g} {figure.unit}{ratio}"


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _verdict(figure: Figure) -> str:
    if figure.value is None:
        return "n/a"
    if figure.passed is None:
        return "report"
    return "PASS" if figure.passed else "FAIL"


def table(figures: Sequence[Figure]) -> str:
    """The report as a Markdown table (also what stdout shows)."""
    lines = [
        "| figure | value | baseline | ratio (min / median / max) | target | result |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        if f.value is None:
            lines.append(f"| {f.name} | {f.note} | | | {f.target} | n/a |")
            continue
        spread = (
            f"{_number(f.ratio_min)} / **{_number(f.ratio)}** / {_number(f.ratio_max)}"
            if f.ratio is not None
            else ""
        )
        value = f"{_number(f.value)} {f.unit}"
        if f.note:
            value += f" ({f.note})"
        baseline = f"{_number(f.baseline)} {f.unit}" if f.baseline is not None else "-"
        lines.append(f"| {f.name} | {value} | {baseline} | {spread} | {f.target} | {_verdict(f)} |")
    return "\n".join(lines)


def machine() -> dict[str, str]:
    """nproc, memory, CPU model and the PostgreSQL version (filled in by the caller)."""
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "commit": _git_commit(),
    }


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def write_json(path: Path, scale: Scale, info: dict[str, str], figures: Sequence[Figure]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale.name,
        "machine": info,
        "figures": [f.as_json() for f in figures],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


BEGIN = "<!-- bench:begin (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"


def write_docs(
    path: Path, scale: Scale, info: dict[str, str], figures: Sequence[Figure], command: str
) -> None:
    """Replace the generated block of docs/benchmarks.md; the prose around it is kept."""
    block = "\n".join(
        [
            BEGIN,
            f"Latest {scale.name} run: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, "
            f"commit {info['commit']}.",
            "",
            f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} memory, "
            f"{info.get('postgres', '?')}, Python {info['python']}.",
            "",
            f"Command: `{command}`",
            "",
            table(figures),
            END,
        ]
    )
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
