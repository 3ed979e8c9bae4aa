"""The `ledger` console command. `ledger serve` runs the service under waitress."""

import argparse
import logging
import sys

import psycopg
from eventsourcing.persistence import PersistenceError

from api.config import Settings
from ledger.errors import LedgerError


def serve(settings: Settings) -> None:
    import waitress

    from api.app import create_app
    from api.identity import HOW_TO_IDENTIFY

    app = create_app(settings)
    url = f"http://{settings.host}:{settings.port}"
    store = settings.store_url.split("://", 1)[0]
    print(f"Complaint ledger serving on {url} (store: {store}, data: {settings.data_dir})")
    print(f"API document: {url}/openapi.json   health: {url}/health")
    print(
        "Access tokens arrive with access control; until then every /v1 request must "
        f"identify its caller: {HOW_TO_IDENTIFY}."
    )
    sys.stdout.flush()
    waitress.serve(
        app, host=settings.host, port=settings.port, threads=settings.threads, ident="ledger"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ledger", description="Complaint and incident audit ledger"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP service (settings from LEDGER_* variables)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            serve(settings)
    except LedgerError as error:
        print(f"ledger: {error}", file=sys.stderr)
        return 2
    except (PersistenceError, psycopg.Error) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"ledger: cannot use the database: {first_line}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"ledger: cannot start: {error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
