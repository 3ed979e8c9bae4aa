"""`python -m tests.bench`: run every row, print the table, write JSON and (full runs) the docs."""

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from tests.bench.context import BenchContext
from tests.bench.database import server_version
from tests.bench.harness import SCALES, Figure, machine, not_measured, table, write_docs, write_json
from tests.bench.rows import PLACEHOLDERS, ROWS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "full"), choices=SCALES)
    parser.add_argument("--json", type=Path, default=Path("var/bench/latest.json"))
    parser.add_argument(
        "--docs",
        type=Path,
        default=None,
        help="Markdown file whose generated block to update (default: docs/benchmarks.md "
        "after a full run of every row, nothing otherwise)",
    )
    parser.add_argument("--only", action="append", default=[], help="run rows whose module matches")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    # A run of some rows only (`--only large`) must not replace the full table with part of it:
    # its figures are on stdout and in the JSON, and go into the docs only when asked.
    full_run = scale.name == "full" and not args.only
    docs = args.docs or (Path("docs/benchmarks.md") if full_run else None)
    info = {**machine(), "postgres": server_version()}
    print(
        f"make bench: scale {scale.name}, {scale.rounds} alternating rounds of {scale.seconds:g} s; "
        f"{info['nproc']} CPUs, {info['memory']}, {info['postgres']}",
        flush=True,
    )
    figures: list[Figure] = []
    errors = 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as scratch:
        context = BenchContext(scale=scale, scratch=Path(scratch))
        for row in ROWS:
            if args.only and not any(o in row.__module__ for o in args.only):
                continue
            row_started = time.monotonic()
            try:
                measured = row(context)
            except Exception as error:
                errors += 1
                traceback.print_exc()
                measured = [
                    Figure(
                        row.__module__.rsplit(".", 1)[1],
                        None,
                        "",
                        None,
                        None,
                        "",
                        False,
                        note=f"error: {type(error).__name__}: {error}",
                    )
                ]
            for figure in measured:
                if not any(figure is shown for shown in context.shown):
                    context.show(figure)
            print(f"  ({row.__module__} took {time.monotonic() - row_started:.0f} s)", flush=True)
            figures.extend(measured)
    figures.extend(not_measured(name, issue, target) for name, issue, target in PLACEHOLDERS)
    print()
    print(table(figures))
    print(f"\n{len(figures)} figures in {time.monotonic() - started:.0f} s; JSON in {args.json}")
    write_json(args.json, scale, info, figures)
    if docs is not None:
        command = "make bench" if scale.name == "full" else f"BENCH_SCALE={scale.name} make bench"
        if args.only:
            only = " ".join(f"--only {o}" for o in args.only)
            command = f"python -m tests.bench --scale {scale.name} {only}"
        write_docs(docs, scale, info, figures, command)
        print(f"updated {docs}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
