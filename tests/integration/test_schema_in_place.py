"""A start on a schema already in place rewrites nothing; whatever was taken away or changed behind
the ledger's back is put back by the next start (privacy/db/schema_in_place.py)."""

from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from api.app import create_app
from api.config import Settings
from ledger.clock import ManualClock
from privacy.db.schema_in_place import apply_schema
from tests.conftest import START, TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64

Catalog = dict[str, tuple[str, str]]


def _start(database_url: str, data_dir: Path) -> None:
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
    )
    create_app(settings, clock=ManualClock(START)).extensions["ledger"].close()


def _schema(database_url: str) -> str:
    return database_url.split("schema=")[1].split("&")[0]


def _server(database_url: str) -> str:
    return database_url.split("?")[0]


def _catalog(database_url: str) -> Catalog:
    """Each trigger, function and relation of the schema: its row version and definition."""
    with psycopg.connect(_server(database_url)) as connection:
        rows = connection.execute(
            "SELECT 'trg ' || t.tgname, t.xmin::text, pg_get_triggerdef(t.oid) || t.tgenabled::text"
            "  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            "  JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %(s)s AND NOT t.tgisinternal"
            " UNION ALL SELECT 'fn ' || p.proname, p.xmin::text, p.prosrc FROM pg_proc p"
            "  JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s"
            " UNION ALL SELECT 'rel ' || c.relname, c.xmin::text, c.relkind::text FROM pg_class c"
            "  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s",
            {"s": _schema(database_url)},
        ).fetchall()
    return {name: (version, definition) for name, version, definition in rows}


def _alter(database_url: str, statement: str) -> None:
    with psycopg.connect(_server(database_url), autocommit=True) as connection:
        connection.execute(sql.SQL(statement).format(schema=sql.Identifier(_schema(database_url))))


@pytest.fixture
def started(database_url: str, tmp_path: Path) -> Catalog:
    _start(database_url, tmp_path)
    return _catalog(database_url)


def test_a_second_start_rewrites_no_trigger_function_or_table(
    started: Catalog, database_url: str, tmp_path: Path
) -> None:
    assert sum(name.startswith("trg ") for name in started) >= 10
    _start(database_url, tmp_path)
    assert _catalog(database_url) == started


@pytest.mark.parametrize(
    "tampering",
    [
        "DROP TRIGGER ledger_events_chain ON {schema}.ledger_events",
        "ALTER TABLE {schema}.ledger_operation_log DISABLE TRIGGER ledger_operation_log_refuse",
        "CREATE OR REPLACE FUNCTION {schema}.ledger_events_refuse_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        "DROP TRIGGER ledger_log_purges_refuse ON {schema}.ledger_log_purges; "
        "CREATE TRIGGER ledger_log_purges_refuse BEFORE UPDATE ON {schema}.ledger_log_purges "
        "FOR EACH ROW EXECUTE FUNCTION {schema}.ledger_log_purges_refuse()",
        "DROP INDEX {schema}.ledger_merkle_leaves_by_event",
    ],
    ids=["dropped trigger", "disabled trigger", "changed function", "narrowed trigger", "index"],
)
def test_the_next_start_puts_back_what_was_changed(
    started: Catalog, database_url: str, tmp_path: Path, tampering: str
) -> None:
    _alter(database_url, tampering)
    assert _definitions(_catalog(database_url)) != _definitions(started)
    _start(database_url, tmp_path)
    assert _definitions(_catalog(database_url)) == _definitions(started)


def _definitions(catalog: Catalog) -> dict[str, str]:
    return {name: definition for name, (_, definition) in catalog.items()}


def test_a_statement_of_another_kind_always_runs(database_url: str) -> None:
    with psycopg.connect(_server(database_url), autocommit=True) as connection:
        schema = _schema(database_url)
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        table = f'"{schema}".counted'
        statements = [
            f"CREATE TABLE IF NOT EXISTS {table} (n INTEGER)",
            f"INSERT INTO {table} VALUES (1)",
        ]
        apply_schema(connection.cursor(), statements)
        apply_schema(connection.cursor(), statements)
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row == (2,)
