"""PostgreSQL for the bench: a fresh schema per use, dropped after."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import uuid4

import psycopg
from psycopg import sql

from tests.database import server_url

# BENCH_POSTGRES_URL, else the tests' server (tests/database.py: LEDGER_TEST_DATABASE_URL, else
# the embedded one), so that the bench's tiny run in `make test` needs no PostgreSQL installed.
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "").strip() or server_url()


@contextmanager
def fresh_schema(prefix: str = "bench") -> Iterator[str]:
    """The name of a new, empty schema; it and everything in it are dropped afterwards."""
    schema = f"{prefix}_{uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield schema
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )


def url_for(schema: str, **options: str) -> str:
    """The ledger's database URL for a schema of the bench database."""
    query = "&".join(f"{k}={v}" for k, v in {"schema": schema, **options}.items())
    return f"{POSTGRES_URL}?{query}"


def library_settings(schema: str, *, pool_size: int) -> dict[str, str]:
    """Plain `eventsourcing` settings for the same database, in a schema of its own."""
    conninfo = psycopg.conninfo.conninfo_to_dict(POSTGRES_URL)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(conninfo.get("dbname", "test")),
        "POSTGRES_HOST": str(conninfo.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(conninfo.get("port", "5432")),
        "POSTGRES_USER": str(conninfo.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(conninfo.get("password", "")),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
        "CREATE_TABLE": "y",
    }


def server_version() -> str:
    with psycopg.connect(POSTGRES_URL) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"
