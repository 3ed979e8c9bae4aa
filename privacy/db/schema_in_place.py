"""Schema statements run only where the object they make is missing or differs.

Every process that opens the ledger makes sure its tables, indexes, functions and triggers exist
as the code defines them. Run as they are, the statements cost a start-up some 40 % of its time
even when nothing has changed: `CREATE OR REPLACE FUNCTION` and `CREATE OR REPLACE TRIGGER`
rewrite their catalog rows every time, which bloats the catalog, takes a lock on the table a
trigger guards (the events table among them, where writers wait behind it) and makes every other
session re-read the table's definition. So one catalog query first tells which statements would
change nothing, and only the others run. A missing object is still created, and a function whose
body or a trigger whose definition or enabled state was changed behind the ledger's back is put
back, as before.

Recognised (each as this codebase writes it): `CREATE TABLE IF NOT EXISTS t`, `CREATE [UNIQUE]
INDEX IF NOT EXISTS i ON t`, `CREATE OR REPLACE FUNCTION f(...) ... AS $$ body $$` (plpgsql, not
security definer) and `CREATE OR REPLACE TRIGGER n ... ON t ...`. Any other statement runs.
"""

import re
from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import PostgresRecorder

_NAME = r'(?:"[^"]+"|\w+)'
_QUALIFIED = rf"({_NAME}(?:\.{_NAME})?)"
_TABLE = re.compile(rf"CREATE TABLE IF NOT EXISTS {_QUALIFIED}\s*\(", re.S)
_INDEX = re.compile(rf"CREATE (?:UNIQUE )?INDEX IF NOT EXISTS ({_NAME}) ON {_QUALIFIED}", re.S)
_FUNCTION = re.compile(
    rf"CREATE OR REPLACE FUNCTION {_QUALIFIED}\(([^)]*)\) RETURNS .+? LANGUAGE plpgsql\s+AS\s*"
    r"(\$\w*\$)(.*)\3\s*$",
    re.S,
)
_TRIGGER = re.compile(rf"CREATE OR REPLACE TRIGGER ({_NAME}) .*? ON {_QUALIFIED} ", re.S)
_EVENTS = re.compile(r"\b(BEFORE|AFTER|INSTEAD OF) (.+?) ON ")

# For each statement: 'rel' (is the relation there?), 'fn' (is the body the same?) or 'trg'
# (the trigger's definition, if it is there and enabled); a statement of another kind is 'run'.
_CHECK = """
SELECT CASE s.kind
  WHEN 'rel' THEN CASE WHEN to_regclass(s.name) IS NULL THEN NULL ELSE '' END
  WHEN 'fn' THEN (
    SELECT '' FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
     WHERE p.oid = to_regprocedure(s.name) AND p.prosrc = s.body AND l.lanname = 'plpgsql'
       AND NOT p.prosecdef)
  WHEN 'trg' THEN (
    SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
     WHERE t.tgrelid = to_regclass(s.tbl) AND t.tgname = s.name AND t.tgenabled = 'O')
  END
FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) WITH ORDINALITY
  AS s(kind, name, tbl, body, n)
ORDER BY s.n
"""


def apply_schema(cursor: Any, statements: Sequence[str]) -> None:
    """Run those of `statements` (literal SQL, in order) whose object is not already in place."""
    checks = [_check_of(statement) for statement in statements]
    if any(check[0] != "run" for check in checks):
        cursor.execute(
            _CHECK,
            [[check[i] for check in checks] for i in range(4)],
            prepare=False,
        )
        found = [row[0] if isinstance(row, tuple) else next(iter(row.values())) for row in cursor]
    else:
        found = [None] * len(checks)
    pending = [
        statement
        for statement, check, current in zip(statements, checks, found, strict=True)
        if not _in_place(statement, check[0], current)
    ]
    if pending:
        # No parameters: PostgreSQL takes them as one script, in one round trip.
        cursor.execute(";\n".join(pending), prepare=False)


def _check_of(statement: str) -> tuple[str, str, str, str]:
    """(kind, name, table, body) for the catalog query."""
    text = statement.strip()
    if found := _TABLE.match(text):
        return ("rel", found[1], "", "")
    if found := _INDEX.match(text):
        table = found[2]
        schema = table.rsplit(".", 1)[0] + "." if "." in table else ""
        return ("rel", schema + found[1], "", "")
    if found := _FUNCTION.match(text):
        # to_regprocedure wants the argument types alone: `f(events s.t[])` is `f(s.t[])`.
        types = ", ".join(arg.split(None, 1)[1] for arg in found[2].split(",") if arg.strip())
        return ("fn", f"{found[1]}({types})", "", found[4])
    if found := _TRIGGER.match(text):
        return ("trg", found[1].strip('"'), found[2], "")
    return ("run", "", "", "")


def _in_place(statement: str, kind: str, current: str | None) -> bool:
    if kind == "run" or current is None:
        return False
    if kind == "trg":
        return _canonical_trigger(current) == _canonical_trigger(statement)
    return True


def _canonical_trigger(definition: str) -> str:
    """A trigger's definition as PostgreSQL prints it and as written here, made comparable:
    no quotes, one space, and its events in one order."""
    text = " ".join(definition.replace('"', "").split()).replace("CREATE OR REPLACE ", "CREATE ")
    return _EVENTS.sub(
        lambda m: f"{m[1]} {' OR '.join(sorted(m[2].split(' OR ')))} ON ", text, count=1
    )


class CreatedInPlace(PostgresRecorder):
    """A mix-in for a library recorder: its create statements run only where their object is not
    in place. Listed after a recorder that adds to `_create_table` (the tracking recorder's
    migration), it takes the place of the library's plain loop beneath it."""

    def _create_table(self, curs: Any) -> None:
        statements = [s.as_string(curs) for s in self.sql_create_statements]
        apply_schema(curs, [s for s in statements if "CREATE TYPE" not in s])
