"""The `ledger` console command.

ledger serve [--workers N]                    run the HTTP service (api/server.py)
ledger subjects erase SUBJECT_ID --legal-basis TEXT --staff ID
ledger keys rotate                            re-wrap every data key under a new master key
ledger keys retire                            drop master keys no data key uses any more
ledger tokens create|list|revoke              staff access tokens (see api/cli/access.py)
ledger oplog verify                           the operation log's hash chain (api/cli/access.py)
ledger projections run|rebuild|status         read models (see api/cli/projections.py)
ledger review export ID --format md|html|json --output FILE   a post-incident review as a file
                                              (api/cli/incidents.py)
ledger checkpoint | verifier-key | verify | verify-proof   tamper evidence (api/cli/integrity.py)
ledger evidence export REF --staff ID | verify BUNDLE --key KEY
                                              a case's evidence bundle (api/cli/evidence.py)
ledger retention run | archive export|verify  retention and archives (api/cli/retention.py)
ledger report weekly|monthly [--at TIME]      the service report of the last whole period
                                              (api/cli/reports.py)
"""

import argparse
import logging
import sys
from dataclasses import replace
from uuid import UUID

import psycopg
from eventsourcing.persistence import PersistenceError

from api.cli import access as cli_access
from api.cli import evidence as cli_evidence
from api.cli import incidents as cli_incidents
from api.cli import integrity as cli_integrity
from api.cli import projections as cli_projections
from api.cli import reports as cli_reports
from api.cli import retention as cli_retention
from api.config import Settings
from ledger.errors import LedgerError
from ledger.store.bootstrap import connection_problem
from ledger.store.settings import settings_for_url
from ledger.values import Actor
from privacy.keys.master_key import MasterKeyError, add_key_to_file, retire_keys_in_file


def serve(settings: Settings, workers: int | None = None) -> None:
    from api import server
    from api.app import close_app, create_app
    from api.cli.access import bootstrap_admin_token

    if workers is not None:
        settings = replace(settings, workers=workers)
    url = f"http://{settings.host}:{settings.port}"
    processes = settings.processes
    # With several processes, every setting is checked and the database prepared once, here,
    # before any worker starts: a bad setting stops the start with one line, not with workers
    # failing to boot.
    app = create_app(settings, background=None if processes == 1 else False)
    first = bootstrap_admin_token(app.extensions["ledger"]) if settings.embedded else None
    if processes > 1:
        close_app(app)
    store = (
        f"embedded PostgreSQL in {settings.data_dir / 'pg'}" if settings.embedded else "PostgreSQL"
    )
    print(
        f"Complaint ledger serving on {url} (store: {store}, data: {settings.data_dir}, "
        f"{processes} process{'es' if processes > 1 else ''} of {settings.threads} threads)"
    )
    print(f"Console: {url}/console/ (sign in with a staff token)")
    print(f"API document: {url}/openapi.json   health: {url}/health")
    if first:
        print(first)
    print("Every /v1 request needs 'Authorization: Bearer <token>' (see `ledger tokens --help`).")
    sys.stdout.flush()
    if processes == 1:
        try:
            server.serve_one(app, settings)
        finally:  # on SIGTERM or Ctrl-C: jobs and pool closed before the embedded server stops
            close_app(app)
    else:
        server.serve_many(settings, create_app)


def erase_subject(settings: Settings, args: argparse.Namespace) -> None:
    from api.wiring.ledger import build_ledger

    try:
        subject_id = UUID(args.subject_id)
    except ValueError:
        raise LedgerError(f"not a subject id (a UUID): {args.subject_id!r}") from None
    ledger = build_ledger(settings, create=False)
    try:
        subject = ledger.erase_subject(
            subject_id,
            legal_basis=args.legal_basis,
            actor=Actor(staff_id=args.staff, role="privacy_officer"),
        )
    finally:
        ledger.close()
    erased_at = subject.erased_at.isoformat() if subject.erased_at else "?"
    print(f"erased {subject.subject_id} at {erased_at} ({subject.legal_basis})")


def _key_file(settings: Settings) -> str:
    if "LEDGER_MASTER_KEY" in settings.master_key_settings:
        raise MasterKeyError(
            "the master key comes from LEDGER_MASTER_KEY: put the new key there, list the old "
            "one in LEDGER_PREVIOUS_MASTER_KEYS, and run `ledger keys rotate` again"
        )
    return settings.master_key_settings.get(
        "LEDGER_MASTER_KEY_FILE", str(settings.data_dir / "master.key")
    )


def rotate_keys(settings: Settings) -> None:
    """With a key file: add a new current key, then re-wrap; with LEDGER_MASTER_KEY: re-wrap."""
    from pathlib import Path

    from api.wiring.ledger import build_ledger

    if "LEDGER_MASTER_KEY" not in settings.master_key_settings:
        path = Path(_key_file(settings))
        ledger = build_ledger(settings)
        pending = ledger.keys.master_key_ids_in_use() - {ledger.keys.keyring.current_id}
        ledger.close()
        if not pending:  # a rotation that was interrupted resumes with the key it had added
            print(f"new master key {add_key_to_file(path)} added to {path}")
    ledger = build_ledger(settings)
    try:
        count = ledger.keys.rotate(lambda done: print(f"re-wrapped {done} data keys", end="\r"))
        print(f"re-wrapped {count} data keys under master key {ledger.keys.keyring.current_id}")
    finally:
        ledger.close()


def retire_keys(settings: Settings) -> None:
    from pathlib import Path

    from api.wiring.ledger import build_ledger

    path = Path(_key_file(settings))
    ledger = build_ledger(settings)
    try:
        in_use = ledger.keys.master_key_ids_in_use()
    finally:
        ledger.close()
    removed = retire_keys_in_file(path, keep=in_use)
    print(f"retired {len(removed)} master key(s): {', '.join(removed) or 'none'}")


def _database_problem(error: Exception, settings: Settings | None) -> str:
    """One line on why the database cannot be used, without the URL's password.

    The pool's own error says only that it gave up waiting, the same for a wrong port, role or
    database name; one direct connection attempt tells which.
    """
    password = ""
    if settings is not None and settings.database_url:  # the embedded server is not probed
        store = settings_for_url(settings.database_url)
        store["POSTGRES_CONNECT_TIMEOUT"] = str(settings.db_timeout)
        password = store["POSTGRES_PASSWORD"]
        if isinstance(error, PersistenceError) and (cause := connection_problem(store)):
            error = cause
    line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return line.replace(password, "***") if password else line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger", description="Complaint and incident ledger")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_command = commands.add_parser(
        "serve", help="run the HTTP service (settings from LEDGER_* variables)"
    )
    serve_command.add_argument(
        "--workers",
        type=int,
        choices=range(1, 65),
        metavar="N",
        help="server processes (default LEDGER_WORKERS, else one per two CPUs)",
    )
    subjects = commands.add_parser("subjects", help="data subjects").add_subparsers(
        dest="action", required=True
    )
    erase = subjects.add_parser("erase", help="erase a person by destroying their key")
    erase.add_argument("subject_id")
    erase.add_argument("--legal-basis", required=True)
    erase.add_argument("--staff", required=True, help="the privacy officer's staff id")
    keys = commands.add_parser("keys", help="master key management").add_subparsers(
        dest="action", required=True
    )
    keys.add_parser("rotate", help="re-wrap every data key under a new master key")
    keys.add_parser("retire", help="remove master keys that no data key uses any more")
    cli_access.add_commands(commands)
    cli_projections.add_commands(commands)
    cli_incidents.add_commands(commands)
    cli_integrity.add_commands(commands)
    cli_evidence.add_commands(commands)
    cli_retention.add_commands(commands)
    cli_reports.add_commands(commands)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = None
    try:
        settings = Settings.from_env()
        if args.command in cli_evidence.COMMANDS:
            return cli_evidence.run(settings, args)
        if args.command in cli_integrity.COMMANDS:
            return cli_integrity.run(settings, args)
        if args.command in cli_retention.COMMANDS:
            return cli_retention.run(settings, args)
        if args.command in cli_reports.COMMANDS:
            return cli_reports.run(settings, args)
        if cli_access.run(settings, args):
            pass
        elif args.command == "serve":
            serve(settings, args.workers)
        elif args.command == "projections":
            cli_projections.run(settings, args)
        elif args.command == "subjects":
            erase_subject(settings, args)
        elif args.command == "review":
            cli_incidents.run(settings, args)
        elif args.action == "rotate":
            rotate_keys(settings)
        else:
            retire_keys(settings)
    except (LedgerError, MasterKeyError) as error:
        print(f"ledger: {error}", file=sys.stderr)
        return 2
    except (PersistenceError, psycopg.Error) as error:
        print(
            f"ledger: cannot use the database: {_database_problem(error, settings)}",
            file=sys.stderr,
        )
        return 2
    except OSError as error:
        # A file the command was given (a bundle, an output path) is named; without a file the
        # error is the service's own (a port in use).
        if error.filename is not None:
            print(f"ledger: {error.filename}: {error.strerror or error}", file=sys.stderr)
        else:
            print(f"ledger: cannot start: {error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
