"""The retention and archive commands of the `ledger` console command.

ledger retention run [--dry-run]                  archive cases past retention, shred their keys
ledger archive export --from DATE --to DATE FILE  write a self-contained, signed archive bundle
ledger archive verify FILE [--public-key FILE]    check a bundle offline; exit 0 if it holds
"""

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.cli.files import read_text
from api.config import Settings
from ledger.errors import LedgerError
from ledger.integrity.checkpoints import ProofError

COMMANDS = ("retention", "archive")


def add_commands(commands: Any) -> None:
    retention = commands.add_parser("retention", help="retention runs").add_subparsers(
        dest="action", required=True
    )
    run = retention.add_parser("run", help="archive closed cases past retention; shred keys")
    run.add_argument("--dry-run", action="store_true", help="only list what would happen")
    archive = commands.add_parser("archive", help="archive bundles").add_subparsers(
        dest="action", required=True
    )
    export = archive.add_parser("export", help="write the archive of a closure period to FILE")
    export.add_argument("--from", dest="closed_from", required=True, help="closed at or after")
    export.add_argument("--to", dest="closed_to", required=True, help="closed before")
    export.add_argument("file", type=Path)
    verify = archive.add_parser("verify", help="check an archive bundle offline")
    verify.add_argument("file", type=Path)
    verify.add_argument("--public-key", type=Path, help="the ledger's public key, to pin it")


def _moment(text: str, option: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LedgerError(f"{option}: expected a date or an ISO 8601 time, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one of COMMANDS; the exit status (errors raise for `ledger`'s main to report)."""
    if args.command == "archive" and args.action == "verify":
        return _verify(args)
    from api.wiring.audit import operation_log
    from api.wiring.integrity import build_integrity
    from api.wiring.ledger import build_ledger
    from api.wiring.retention import build_retention, load_rules

    rules = load_rules(settings)  # a bad retention file stops here, before anything is opened
    ledger = build_ledger(settings, create=False)
    try:
        oplog = operation_log(ledger, settings)
        integrity = build_integrity(settings, ledger, oplog)
        retention = build_retention(ledger, integrity, rules, oplog)
        if args.command == "retention":
            started = time.monotonic()
            report = retention.run(dry_run=args.dry_run)
            seconds = time.monotonic() - started
            print(json.dumps(report.as_dict(), indent=2))
            rate = len(report.archived) / seconds if seconds else 0.0
            print(
                f"{'would archive' if report.dry_run else 'archived'} {len(report.archived)} "
                f"case(s), skipped {len(report.skipped)}, "
                f"{'would destroy' if report.dry_run else 'destroyed'} {len(report.destroyed)} "
                f"key(s) in {seconds:.1f} s ({rate:.0f} cases/s)",
                file=sys.stderr,
            )
            return 0
        return _export(settings, args, retention, integrity)
    finally:
        ledger.close()


def _export(settings: Settings, args: argparse.Namespace, retention: Any, integrity: Any) -> int:
    from ledger.integrity.signing_key import load_signing_key
    from projections.retention.archive_bundle import write_bundle
    from projections.retention.archive_seal import problems, seals

    closed_from = _moment(args.closed_from, "--from")
    closed_to = _moment(args.closed_to, "--to")
    key, _ = load_signing_key(
        settings.signing_key_settings, settings.data_dir, generate_if_missing=settings.embedded
    )
    rows = retention.archive.archives(closed_from=closed_from, closed_to=closed_to, limit=10**9)
    # Sign only rows the ledger sealed: an archive row edited in the database is refused here.
    sealed = seals(retention.ledger, integrity.tables)
    if broken := [b for b in problems(rows, sealed) if b.kind != "missing"]:
        details = "; ".join(b.describe() for b in broken[:3])
        raise LedgerError(f"the archive differs from the ledger: {details}")
    count = write_bundle(
        args.file,
        rows,
        checkpoint=integrity.checkpoint(),
        key=key,
        closed_from=closed_from,
        closed_to=closed_to,
        created_at=retention.ledger.clock.now().isoformat(),
    )
    print(f"wrote {count} archived case(s) to {args.file}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from projections.retention.archive_bundle import verify_bundle

    try:
        pinned = read_text(args.public_key) if args.public_key else None
        report = verify_bundle(args.file, pinned_key=pinned)
    except ProofError as error:
        print(f"ledger: bundle FAILED: {error}", file=sys.stderr)
        return 1
    for problem in report.problems:
        print(problem)
    if report.intact:
        print(f"OK: {report.records} archived case(s); every hash, proof and signature holds")
        return 0
    print(f"FAILED: {len(report.problems)} problem(s)", file=sys.stderr)
    return 1
