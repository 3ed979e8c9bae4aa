"""What must exist before the event store can create its tables."""

from collections.abc import Mapping

import psycopg
from psycopg import sql


def prepare_database(settings: Mapping[str, str]) -> None:
    """Create the PostgreSQL schema named in the settings, if any (the library needs it)."""
    if settings.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return
    schema = settings.get("POSTGRES_SCHEMA")
    if not schema:
        return
    with psycopg.connect(
        dbname=settings["POSTGRES_DBNAME"],
        host=settings["POSTGRES_HOST"],
        port=settings.get("POSTGRES_PORT", "5432"),
        user=settings["POSTGRES_USER"],
        password=settings.get("POSTGRES_PASSWORD", ""),
        connect_timeout=int(settings.get("POSTGRES_CONNECT_TIMEOUT", "5")),
        autocommit=True,
    ) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
