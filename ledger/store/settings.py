"""Turn a database URL into the `eventsourcing` settings for the matching persistence module."""

import re
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

import psycopg

from ledger.errors import PolicyError

POSTGRES_RECORDER = "ledger.store.recorders:AppendOnlyPostgresApplicationRecorder"


def settings_for_url(url: str) -> dict[str, str]:
    """`postgresql://user[:password]@host[:port]/db[?schema=s&pool_size=n&max_overflow=n]`."""
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres"):
        dbname = unquote(parts.path.lstrip("/"))
        # An option given twice takes its last value, so a caller can narrow a URL it was given
        # by appending to it (`url + "&pool_size=1"`).
        query = {name: values[-1:] for name, values in parse_qs(parts.query).items()}
        host = query.get("host", [""])[0] or _host(parts)
        if not host or not dbname:
            raise PolicyError("LEDGER_DATABASE_URL: expected postgresql://user@host:5432/database")
        unknown = set(query) - {"schema", "pool_size", "max_overflow", "host"}
        if unknown:
            raise PolicyError(
                f"LEDGER_DATABASE_URL: unknown option(s) {', '.join(sorted(unknown))}"
            )
        try:
            port = parts.port or 5432
        except ValueError:
            raise PolicyError("LEDGER_DATABASE_URL: the port is not a number") from None
        settings = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": host,
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": query.get("pool_size", ["10"])[0],
            "POSTGRES_MAX_OVERFLOW": query.get("max_overflow", ["20"])[0],
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_LOCK_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER,
        }
        if "schema" in query:
            schema = query["schema"][0]
            if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
                raise PolicyError(
                    "LEDGER_DATABASE_URL: schema must be lower-case letters, digits and '_'"
                )
            settings["POSTGRES_SCHEMA"] = schema
        return settings
    raise PolicyError("LEDGER_DATABASE_URL: the scheme must be postgresql://")


def _host(parts: SplitResult) -> str:
    """The URL's host. A socket directory may be the host, percent-encoded as libpq takes it
    (`postgresql://postgres@%2Fvar%2Fpg/ledger`, case kept), or given as `?host=/var/pg`."""
    netloc = parts.netloc.rpartition("@")[2]
    if netloc.upper().startswith("%2F"):
        return unquote(netloc.partition(":")[0])
    return parts.hostname or ""


def direct_connection(env: Any) -> psycopg.Connection[Any]:
    """An autocommit connection outside the pool, for a session that must stay open (LISTEN, a
    session advisory lock); `env` is an application's settings (`app.env`)."""
    return psycopg.connect(
        dbname=env.get("POSTGRES_DBNAME"),
        host=env.get("POSTGRES_HOST"),
        port=env.get("POSTGRES_PORT", "5432"),
        user=env.get("POSTGRES_USER"),
        password=env.get("POSTGRES_PASSWORD", ""),
        connect_timeout=5,
        autocommit=True,
    )
