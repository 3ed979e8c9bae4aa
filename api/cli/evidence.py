"""The evidence commands of the `ledger` console command.

ledger evidence export CMP-2026-000123 --staff ID [--output FILE]
                                   write the case's evidence bundle (a tar archive, mode 0600)
ledger evidence verify BUNDLE --key KEY
                                   check a bundle offline; exit 0 only if everything holds
"""

import argparse
import sys
from pathlib import Path
from typing import Any

from api.cli.files import read_text
from api.config import Settings
from ledger.audit.operation_log import Operation
from ledger.errors import LedgerError
from ledger.integrity.checkpoints import ProofError
from ledger.integrity.evidence.verify import Verdict, verify_bundle
from ledger.integrity.public_keys import load_public_key
from ledger.values import Actor
from privacy.files import private_file

COMMANDS = ("evidence",)
# The CLI exports as a compliance officer: the values show as that role sees them (masked).
ROLE = "compliance_officer"


def add_commands(commands: Any) -> None:
    evidence = commands.add_parser("evidence", help="evidence bundles of cases").add_subparsers(
        dest="action", required=True
    )
    export = evidence.add_parser("export", help="write one complaint's evidence bundle")
    export.add_argument("complaint", help="the complaint's reference or id")
    export.add_argument("--staff", required=True, help="the compliance officer's staff id")
    export.add_argument("--output", type=Path, help="the bundle's file (default REFERENCE.tar)")
    verify = evidence.add_parser("verify", help="check a bundle offline")
    verify.add_argument("bundle", type=Path)
    verify.add_argument("--key", type=Path, required=True, help="the ledger's public key file")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one of COMMANDS; the exit status (errors raise for `ledger`'s main to report)."""
    if args.action == "verify":
        return _verify(args.bundle, args.key)
    return _export(settings, args)


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from api.wiring.audit import operation_log
    from api.wiring.integrity import build_integrity
    from api.wiring.ledger import build_ledger
    from ledger.access.policy import visibility_for
    from ledger.integrity.evidence.assemble import export_case

    ledger = build_ledger(settings, create=False)
    try:
        oplog = operation_log(ledger, settings)
        integrity = build_integrity(settings, ledger, oplog)
        actor = Actor(staff_id=args.staff, role=ROLE)
        now = ledger.clock.now()
        exported = export_case(
            ledger,
            integrity,
            oplog,
            reference=args.complaint,
            actor=actor,
            visibility=visibility_for(ROLE),
            at=now,
        )
        output = args.output or Path(f"{exported.reference}.tar")
        with private_file(output, "wb") as file:
            file.write(exported.archive)
        # The export is an operation like any request: the audit log records who took what.
        oplog.append(
            Operation(
                at=now,
                request_id="cli",
                staff_id=actor.staff_id,
                role=actor.role,
                operation="evidence.export",
                target=f"complaint:{exported.complaint_id}",
                result="allowed",
                status=0,
            )
        )
    finally:
        ledger.close()
    print(
        f"wrote {output}: {exported.events} events of {exported.reference} under checkpoint "
        f"{exported.checkpoint}, values of {len(exported.revealed)} person(s) shown"
    )
    return 0


def _verify(bundle: Path, key_file: Path) -> int:
    try:
        data = bundle.read_bytes()
    except OSError as error:
        raise LedgerError(f"{bundle}: {error.strerror or error}") from None
    try:
        key = load_public_key(read_text(key_file))
    except ProofError as error:
        raise LedgerError(f"{key_file}: {error}") from None
    verdict = verify_bundle(data, key)
    report(verdict)
    return 0 if verdict.intact else 1


def report(verdict: Verdict) -> None:
    for holds, what in verdict.lines:
        print(f"{'ok  ' if holds else 'FAIL'} {what}")
    for revealed in verdict.revealed:
        fields = revealed.get("fields")
        print(
            f"note values of person {revealed.get('subject_id')} are shown "
            f"({revealed.get('shown')}): "
            f"{', '.join(map(str, fields)) if isinstance(fields, list) else '?'}"
        )
    failed = sum(not holds for holds, _ in verdict.lines)
    print("VERIFIED" if verdict.intact else f"FAILED: {failed} check(s) do not hold")
    sys.stdout.flush()
