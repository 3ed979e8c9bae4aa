"""The tamper-evidence commands of the `ledger` console command.

ledger checkpoint [--output FILE] [--note]    sign the current tree head; print its document
                                              (or its C2SP signed note)
ledger verifier-key                           the signing key as a signed-note verifier key
ledger verify [--stream ID] [--up-to-checkpoint N] [--checkpoint FILE ...]
                                              recompute every chain and the tree; exit 0 if intact
ledger verify-proof --proof FILE --checkpoint FILE [--checkpoint FILE] --public-key FILE
                    [--witness-key KEY ... --witnesses N]
                                              check a proof offline, with nothing but the files;
                                              N of the witness keys must have cosigned
"""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from api.cli.files import read_text
from api.config import Settings
from ledger.errors import LedgerError
from ledger.integrity.checkpoints import (
    Checkpoint,
    ProofError,
    checkpoint_document,
    checkpoint_from_document,
    note_text,
)
from ledger.integrity.note import (
    COSIGNATURE_V1,
    NoteError,
    VerifierKey,
    looks_like_verifier_key,
    parse_verifier_key,
    verifier_key,
)
from ledger.integrity.proof_check import check_proof
from ledger.integrity.public_keys import load_public_key
from privacy.files import private_file

COMMANDS = ("checkpoint", "verifier-key", "verify", "verify-proof")


def add_commands(commands: Any) -> None:
    checkpoint = commands.add_parser("checkpoint", help="sign the ledger's current tree head")
    checkpoint.add_argument("--output", type=Path, help="also write the checkpoint document here")
    checkpoint.add_argument(
        "--note", action="store_true", help="print (and write) the C2SP signed note, not JSON"
    )
    commands.add_parser("verifier-key", help="print the signing key as a signed-note verifier key")
    verify = commands.add_parser(
        "verify", help="recompute every hash chain and the tree; check every checkpoint"
    )
    verify.add_argument("--stream", help="only this stream (its id)")
    verify.add_argument("--up-to-checkpoint", type=int, help="only what checkpoint N covers")
    verify.add_argument(
        "--checkpoint",
        type=Path,
        action="append",
        default=[],
        help="a checkpoint document you kept outside the system (repeatable)",
    )
    proof = commands.add_parser("verify-proof", help="check a proof offline")
    proof.add_argument("--proof", type=Path, required=True)
    proof.add_argument(
        "--checkpoint",
        type=Path,
        action="append",
        required=True,
        help="a checkpoint document you kept (repeat for a consistency proof's two)",
    )
    proof.add_argument("--public-key", type=Path, required=True)
    proof.add_argument(
        "--witness-key",
        action="append",
        default=[],
        help="a witness's verifier key (name+hash+base64, type 0x04), or a file holding one "
        "(repeatable)",
    )
    proof.add_argument(
        "--witnesses",
        type=int,
        default=0,
        help="how many of the witness keys must have cosigned the proof's checkpoint",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one of COMMANDS; the exit status (errors raise for `ledger`'s main to report)."""
    if args.command == "verify-proof":
        return _verify_proof(args)
    if args.command == "verifier-key":
        print(_verifier_key(settings))
        return 0
    from api.wiring.integrity import build_integrity
    from api.wiring.ledger import build_ledger

    kept = [_read_checkpoint(path) for path in getattr(args, "checkpoint", None) or []]
    stream = _stream(getattr(args, "stream", None))
    ledger = build_ledger(settings, create=False)
    try:
        integrity = build_integrity(settings, ledger)
        if args.command == "checkpoint":
            signed = integrity.checkpoint()
            if args.note:
                text = note_text(signed)
            else:
                text = json.dumps(checkpoint_document(signed), indent=2) + "\n"
            if args.output:
                with private_file(args.output) as file:
                    file.write(text)
            print(text, end="")
            return 0
        integrity.update_tree()
        started = time.monotonic()
        report = integrity.verify(
            stream=stream,
            up_to_checkpoint=args.up_to_checkpoint,
            kept=kept,
            progress=_progress,
        )
        seconds = time.monotonic() - started
    finally:
        ledger.close()
    print(file=sys.stderr)
    for found in report.breaks:
        print(found.describe())
    verdict = "OK" if report.intact else f"BROKEN ({len(report.breaks)} break(s))"
    print(
        f"{verdict}: {report.events} events in {report.streams} streams, {report.leaves} in the "
        f"tree, {report.checkpoints} checkpoints, {report.pending} pending, "
        f"{report.audit_rows} audit log rows "
        f"({seconds:.1f} s)"
    )
    return 0 if report.intact else 1


def _read_checkpoint(path: Path) -> Checkpoint:
    try:
        return checkpoint_from_document(json.loads(read_text(path)))
    except json.JSONDecodeError as error:
        raise LedgerError(f"{path}: not a JSON document: {error.msg}") from None
    except ProofError as error:
        raise LedgerError(f"{path}: {error}") from None


def _stream(text: str | None) -> UUID | None:
    if not text:
        return None
    try:
        return UUID(text)
    except ValueError:
        raise LedgerError(f"--stream: not a stream id (a UUID): {text!r}") from None


def _progress(stage: str, done: int) -> None:
    print(f"\rverifying {stage}: {done}", end="", file=sys.stderr, flush=True)


def _verifier_key(settings: Settings) -> str:
    from ledger.integrity.service import default_origin
    from ledger.integrity.signing_key import load_signing_key

    key, _ = load_signing_key(
        settings.signing_key_settings, settings.data_dir, generate_if_missing=settings.embedded
    )
    return verifier_key(settings.log_origin or default_origin(key.public_key()), key.public_key())


def _witness_keys(values: list[str]) -> list[VerifierKey]:
    """Each --witness-key: a verifier key, or the path of a file holding one."""
    keys = []
    for value in values:
        text = value if looks_like_verifier_key(value) else read_text(Path(value)).strip()
        try:
            key = parse_verifier_key(text)
        except NoteError as error:
            raise ProofError(f"--witness-key {value}: {error}") from None
        if key.kind != COSIGNATURE_V1:
            raise ProofError(f"--witness-key {value}: not a cosignature/v1 key (type 0x04)")
        keys.append(key)
    return keys


def _verify_proof(args: argparse.Namespace) -> int:
    try:
        if args.witnesses < 0:
            raise ProofError("--witnesses: expected a number from 0")
        witnesses = _witness_keys(args.witness_key)
        # Every file is read before any is parsed: an unreadable one is named as such, not
        # hidden behind a complaint about another's content.
        proof_text = read_text(args.proof)
        checkpoint_texts = [read_text(path) for path in args.checkpoint]
        key_text = read_text(args.public_key)
        proof = json.loads(proof_text)
        kept = [checkpoint_from_document(json.loads(text)) for text in checkpoint_texts]
        key = load_public_key(key_text)
        print(check_proof(proof, kept, key, witnesses=witnesses, quorum=args.witnesses))
    except json.JSONDecodeError as error:
        print(f"ledger: not a JSON document: {error.msg}", file=sys.stderr)
        return 2
    except ProofError as error:
        print(f"ledger: proof FAILED: {error}", file=sys.stderr)
        return 1
    return 0
