"""`ledger projections ...`: run the projection worker, rebuild a view, report positions.

ledger projections run [--only NAME ...] [--once] [--no-escalate]
                                                     keep projections current (a worker process)
ledger projections rebuild NAME                      rebuild into fresh tables, then swap them in
ledger projections status                            each projection's position and lag
"""

import argparse
import signal
import sys
from typing import Any

from api.config import Settings


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("projections", help="read models: run, rebuild, status")
    actions = parser.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="keep projections current (the worker process)")
    run.add_argument("--only", nargs="+", metavar="NAME", help="own only these projections")
    run.add_argument("--once", action="store_true", help="catch up once, then exit")
    run.add_argument(
        "--no-escalate", action="store_true", help="do not run the automatic escalation process"
    )
    rebuild = actions.add_parser("rebuild", help="rebuild a projection and swap it in")
    rebuild.add_argument("name")
    actions.add_parser("status", help="each projection's position and lag")


def _progress_bar(position: int, head: int) -> None:
    width = 40
    share = 1.0 if head <= 0 else min(1.0, position / head)
    filled = int(width * share)
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r[{bar}] {share:6.1%}  {position}/{head}", end="", file=sys.stderr, flush=True)


def run(settings: Settings, args: argparse.Namespace) -> None:
    from api.wiring.ledger import build_ledger
    from projections.engine.read_side import ReadSide
    from projections.engine.worker import ProjectionWorker

    # The worker may start before the service has created the store; the others only inspect it.
    ledger = build_ledger(settings, create=args.action == "run")
    try:
        side = ReadSide(ledger)
        if args.action == "status":
            for status in side.status():
                print(
                    f"{status.name:<12} generation {status.generation:<3} position "
                    f"{status.position:<10} head {status.head:<10} lag {status.lag} "
                    f"({status.lag_seconds:.1f} s)"
                )
        elif args.action == "rebuild":
            side.projection(args.name)
            generation = side.rebuild(args.name, _progress_bar)
            print(file=sys.stderr)
            print(f"rebuilt {args.name} as generation {generation}, now live")
        else:
            worker = ProjectionWorker(side, args.only, escalate=not args.no_escalate)
            if args.once:
                positions = worker.run_once()
                print(" ".join(f"{name}={pos}" for name, pos in positions.items()))
                return
            signal.signal(signal.SIGTERM, lambda *_: worker.stop(timeout=0))
            print(f"projection worker owns {', '.join(worker.names)}", flush=True)
            worker.run()
    finally:
        ledger.close()
