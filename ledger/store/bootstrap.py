"""What must exist before the event store can create its tables, and whether a store is there."""

from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import sql


def prepare_database(settings: Mapping[str, str]) -> None:
    """Create the PostgreSQL schema named in the settings, if any (the library needs it)."""
    if settings.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return
    schema = settings.get("POSTGRES_SCHEMA")
    if not schema:
        return
    with psycopg.connect(**connection_arguments(settings)) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def schema_name(settings: Mapping[str, str]) -> str:
    """The schema the settings put the store in (the library's default when none is named)."""
    return settings.get("POSTGRES_SCHEMA") or "public"


def store_in_place(settings: Mapping[str, str], events_table: str) -> bool:
    """Whether the settings' schema already holds `events_table`; looks, creates nothing."""
    if settings.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return True  # an in-memory store is never "mistyped": it starts empty by design
    with psycopg.connect(**connection_arguments(settings)) as connection:
        found = connection.execute(
            "SELECT to_regclass(%s) IS NOT NULL",
            (sql.Identifier(schema_name(settings), events_table).as_string(connection),),
        ).fetchone()
    return bool(found and found[0])


def connection_arguments(settings: Mapping[str, str]) -> dict[str, Any]:
    """`psycopg.connect` arguments for one autocommit connection outside the library's pool."""
    return {
        "dbname": settings["POSTGRES_DBNAME"],
        "host": settings["POSTGRES_HOST"],
        "port": settings.get("POSTGRES_PORT", "5432"),
        "user": settings["POSTGRES_USER"],
        "password": settings.get("POSTGRES_PASSWORD", ""),
        "connect_timeout": int(settings.get("POSTGRES_CONNECT_TIMEOUT", "5")),
        "autocommit": True,
    }


def connection_problem(settings: Mapping[str, str]) -> psycopg.Error | None:
    """Why one direct connection with the settings fails, or None if it does not (the library's
    pool reports only that it gave up waiting, not the server's reason)."""
    if settings.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return None
    try:
        with psycopg.connect(**connection_arguments(settings)):
            return None
    except psycopg.Error as error:
        return error
