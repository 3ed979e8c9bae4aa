"""The ledger at another checkout against this one, side by side under the bench's HTTP load.

    git worktree add /tmp/before <commit>
    python -m tests.bench.ab /tmp/before [--rounds 8] [--seconds 6] [--workers 1]

Both services run at once, each in a schema of its own on the bench's server, in the same
shape (`--workers` processes x 16 threads, projections off); the load generator alternates
between them round by round (ABBA), so drift in the machine's load falls on both. Prints each
round and the ratio this checkout / the other in requests/s (min / median / max) and p99. For
telling whether a change to the request path helps, where the peer rows' short rounds cannot.
"""

import argparse
import statistics
import tempfile
from contextlib import ExitStack, chdir
from pathlib import Path

from tests.bench.database import fresh_schema, url_for
from tests.bench.load import run_load_process
from tests.bench.server import Server, ledger_server

CLIENTS = 32
THREADS = "16"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.ab", description=__doc__)
    parser.add_argument("other", type=Path, help="the other checkout (a git worktree)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--workers", default="1")
    args = parser.parse_args()
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        servers: dict[str, Server] = {}
        for name, tree in (("other", args.other), ("this", Path.cwd())):
            schema = stack.enter_context(fresh_schema())
            with chdir(tree):  # `python -m api.cli serve` runs the code of its working directory
                servers[name] = stack.enter_context(
                    ledger_server(
                        scratch / name,
                        url_for(schema),
                        LEDGER_WORKERS=args.workers,
                        LEDGER_THREADS=THREADS,
                        LEDGER_PROJECTIONS="off",
                    )
                )
        for server in servers.values():
            run_load_process(server.base, clients=CLIENTS, seconds=2, reads=1)  # warm-up
        rates: dict[str, list[float]] = {"other": [], "this": []}
        p99s: dict[str, list[float]] = {"other": [], "this": []}
        for n in range(args.rounds):
            for name in ("other", "this") if n % 2 == 0 else ("this", "other"):
                load = run_load_process(
                    servers[name].base, clients=CLIENTS, seconds=args.seconds, reads=1
                )
                rates[name].append(float(load["rate"]))
                p99s[name].append(float(load["p99_ms"]))
            print(
                f"round {n}: other {rates['other'][-1]:.0f}/s, this {rates['this'][-1]:.0f}/s",
                flush=True,
            )
    ratios = [b / a for a, b in zip(rates["other"], rates["this"], strict=True)]
    print(
        f"requests/s this / other: {min(ratios):.2f} / {statistics.median(ratios):.2f} / "
        f"{max(ratios):.2f} (median {statistics.median(rates['this']):.0f}/s against "
        f"{statistics.median(rates['other']):.0f}/s); p99 {statistics.median(p99s['this']):.0f} "
        f"ms against {statistics.median(p99s['other']):.0f} ms"
    )


if __name__ == "__main__":
    main()
