"""Where a full-stack append spends its time: py-spy on `ledger serve` under the bench's load.

    python -m tests.bench.profile [--seconds 10] [--clients 32] [--group-commit on|off]
                                  [--workers 1]

Starts the service on PostgreSQL (fresh schema), loads it from the HTTP load generator, and
samples the server twice with py-spy: every thread (wall time: where requests wait) and only the
thread holding the GIL (CPU time: where Python works). One server process by default
(`--workers`): the CPU spent per request is the same in each of several, and py-spy samples one. Prints both as shares of a few buckets and
leaves the raw stacks in var/bench/ for a flame graph (`py-spy` reads them back).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from tests.bench.database import fresh_schema, url_for
from tests.bench.load import run_load_process
from tests.bench.server import ledger_server

# First matching rule wins; a stack is one sampled thread.
BUCKETS: list[tuple[str, str]] = [
    ("waitress socket I/O and dispatch (outside the app)", r"^(?!.*Flask\.__call__)"),
    (
        "connection checkout: waiting for a pooled connection, pre-ping",
        r"ConnectionPool\.connection",
    ),
    ("event insert (group commit, recorder, table lock)", r"EventStore\.put"),
    # A write answered in one commit has its row ride with its events (the insert above).
    ("operation log row on its own (reads, two-commit writes)", r"OperationLog\.append"),
    ("authentication: token row and its grant", r"TokenGrants\.authenticate"),
    ("loading the aggregate: select, decode, replay", r"Repository\.get|LedgerApplication\._load"),
    ("revealing personal fields (key select, AES-GCM)", r"SubjectKeyStore\.reveal"),
    ("blind index: returning customer lookup, index rows", r"BlindIndex\."),
    ("reference counter and new data key", r"SideTables|prepare_new_subject"),
    (
        "request body and schemas (JSON, webargs, marshmallow)",
        r"Parser\.parse \(|marshmallow/|json_body",
    ),
]


def buckets(raw: Path) -> list[tuple[str, float]]:
    counts: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, n = line.rsplit(" ", 1)
        total += int(n)
        for name, pattern in BUCKETS:
            if re.search(pattern, stack):
                counts[name] += int(n)
                break
        else:
            counts["other: flask, flask-smorest, presenters, domain"] += int(n)
    return [(name, 100 * n / max(1, total)) for name, n in counts.most_common()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--group-commit", choices=("on", "off"), default="on")
    parser.add_argument("--workers", type=int, default=1, help="server processes (samples one)")
    parser.add_argument("--out", type=Path, default=Path("var/bench"))
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy is not installed: pip install py-spy", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as scratch,
        fresh_schema() as schema,
        ledger_server(
            Path(scratch),
            url_for(schema),
            LEDGER_THREADS=str(args.clients),
            LEDGER_GROUP_COMMIT=args.group_commit,
            LEDGER_WORKERS=str(args.workers),
            LEDGER_PROJECTIONS="off",  # as the append row runs it: a worker process does them
        ) as server,
    ):
        run_load_process(server.base, clients=args.clients, seconds=2)
        for mode, extra in (("wall", []), ("cpu", ["--gil"])):
            raw = args.out / f"profile-{mode}-{args.group_commit}.txt"
            load: dict[str, object] = {}

            def drive(into: dict[str, object] = load) -> None:
                into.update(
                    run_load_process(server.base, clients=args.clients, seconds=args.seconds + 2)
                )

            thread = threading.Thread(target=drive)
            thread.start()
            subprocess.run(
                [
                    spy,
                    "record",
                    "--pid",
                    str(server.pid),
                    "--duration",
                    str(int(args.seconds)),
                    "--rate",
                    "200",
                    "--format",
                    "raw",
                    "--nonblocking",
                    "-o",
                    str(raw),
                    *extra,
                    *(["--subprocesses"] if args.workers > 1 else []),
                ],
                check=True,
                capture_output=True,
            )
            thread.join()
            title = "every thread (wall time)" if mode == "wall" else "GIL holder (CPU time)"
            print(
                f"\n{title}, group commit {args.group_commit}: {load.get('rate', 0):.0f} "
                f"requests/s, p99 {load.get('p99_ms', 0):.0f} ms; stacks in {raw}"
            )
            for name, share in buckets(raw):
                print(f"  {share:5.1f} %  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
