"""A test-only speed-up: a test's schema is emptied and handed to a later test of the same process
instead of being dropped, when nothing but rows changed in it.

Building the service's schema is most of a test's set-up: some 60 tables, 85 indexes and 30
functions of PostgreSQL DDL (about 0.3 s), where creating the app on a schema that already holds
them only checks that they exist. `TRUNCATE` of every table costs as much as the DDL (a new file
per table and index), so a used schema is emptied with `DELETE` instead, with triggers and rules
off for the session (`session_replication_role = replica`: the append-only triggers would refuse
the deletes), and its sequences restarted, so the next test sees what a fresh schema shows.

A schema goes back to the pool only if its catalogue (tables, columns, indexes, constraints,
triggers and whether they are enabled, functions and their bodies, privileges) is exactly that of
the reference: a schema built by `create_app` in this process. A test that tampers with a trigger
or a function (the insider tests), rebuilds a view into a new generation, or built only part of
the schema leaves one that differs, and it is dropped as before. The service never imports this.
"""

import hashlib
from collections.abc import Callable

import psycopg
from psycopg import sql

# Every object of the schema, as text with the schema's own name taken out, in a fixed order.
# The schema's objects are found through pg_depend (what depends on the namespace), not by
# scanning pg_class and pg_proc for the namespace: the suite creates and drops thousands of
# tables, and on a server without autovacuum those catalogs fill with dead rows that a scan
# reads every time (56 ms a fingerprint, against 13 ms by the indexes).
_CATALOGUE = """
WITH owned AS (
  SELECT classid, objid FROM pg_depend
   WHERE refclassid = 'pg_namespace'::regclass AND refobjid = %(ns)s
), tables AS (
  SELECT objid AS oid FROM owned WHERE classid = 'pg_class'::regclass
  UNION SELECT t.typrelid FROM owned o JOIN pg_type t ON t.oid = o.objid
   WHERE o.classid = 'pg_type'::regclass AND t.typrelid <> 0
), rels AS (
  SELECT oid FROM tables
  UNION SELECT x.indexrelid FROM pg_index x JOIN tables t ON t.oid = x.indrelid
)
SELECT kind, text FROM (
  SELECT 'ns' AS kind, coalesce(nspacl::text, '') AS text FROM pg_namespace WHERE oid = %(ns)s
  UNION ALL
  SELECT 'rel', c.relname || ':' || c.relkind::text || ':' || coalesce(c.relacl::text, '')
         || ':' || c.relrowsecurity::text
    FROM pg_class c JOIN rels r ON r.oid = c.oid
  UNION ALL
  SELECT 'col', c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)
         || ':' || a.attnotnull::text || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'con', c.relname || ':' || k.conname || ':' || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN rels r ON r.oid = k.conrelid JOIN pg_class c ON c.oid = k.conrelid
  UNION ALL
  SELECT 'idx', pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN rels r ON r.oid = i.indrelid
  UNION ALL
  SELECT 'trg', t.tgname || ':' || t.tgenabled::text || ':' || pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid
   WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'fn', p.proname || '(' || pg_get_function_arguments(p.oid) || '):'
         || coalesce(p.proacl::text, '') || ':' || md5(replace(p.prosrc, %(schema)s, '$schema'))
    FROM pg_proc p JOIN owned o ON o.objid = p.oid AND o.classid = 'pg_proc'::regclass
  UNION ALL
  SELECT 'rule', r.rulename || ':' || r.ev_enabled::text
    FROM pg_rewrite r JOIN rels x ON x.oid = r.ev_class
) objects ORDER BY kind, text
"""


def fingerprint(connection: psycopg.Connection[tuple[object, ...]], schema: str) -> str:
    """A digest of the schema's catalogue, the same for two schemas holding the same objects."""
    row = connection.execute(
        "SELECT oid FROM pg_namespace WHERE nspname = %s", (schema,)
    ).fetchone()
    if row is None:
        return ""
    digest = hashlib.sha256()
    for kind, text in connection.execute(_CATALOGUE, {"ns": row[0], "schema": schema}):
        digest.update(f"{kind}\0{str(text).replace(schema, '$schema')}\n".encode())
    return digest.hexdigest()


class SchemaPool:
    """Emptied schemas of this process, ready for the next test.

    `build` makes a complete schema and returns its name; it runs once, on the first return. That
    schema is the reference: never handed out, it gives the catalogue a schema must have to be
    reused, and the state it is put back into (the rows and sequence values a new schema starts
    with, such as the library's tracking-table migration mark)."""

    def __init__(self, server_url: str, build: Callable[[], str]) -> None:
        self._url = server_url
        self._build = build
        self._reference: _Reference | None = None
        self._ready: list[str] = []

    def take(self) -> str | None:
        """An emptied schema's name, or None: then the caller makes a fresh one."""
        return self._ready.pop() if self._ready else None

    def give_back(self, schema: str) -> None:
        """Put the schema back into its first state if only rows changed in it; drop it otherwise."""
        with psycopg.connect(self._url, autocommit=True) as connection:
            if self._reference is None:
                self._reference = _Reference(connection, self._build())
            if self._reference.reset(connection, schema):
                self._ready.append(schema)
            else:
                drop(connection, schema)

    def close(self) -> None:
        """Drop the pooled schemas and the reference (at the end of the run)."""
        names = self._ready + ([self._reference.schema] if self._reference else [])
        if names:
            with psycopg.connect(self._url, autocommit=True) as connection:
                for name in names:
                    drop(connection, name)
        self._ready.clear()
        self._reference = None


class _Reference:
    """A complete schema as the app leaves it on creation, and how to put another one back to it."""

    def __init__(self, connection: psycopg.Connection[tuple[object, ...]], schema: str) -> None:
        self.schema = schema
        self.fingerprint = fingerprint(connection, schema)
        self.tables = _names(connection, schema, "r")
        self.seeded = [
            table
            for table in self.tables
            if connection.execute(
                sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(schema, table))
            ).fetchone()
            == (True,)
        ]
        self.sequences = {
            name: connection.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(schema, name))
            ).fetchone()
            for name in _names(connection, schema, "S")
        }

    def reset(self, connection: psycopg.Connection[tuple[object, ...]], schema: str) -> bool:
        """Delete every row, copy the reference's first rows in, set its sequence values; False
        (nothing changed) if the schema holds other objects or the role may not do this."""
        if fingerprint(connection, schema) != self.fingerprint or _locked(connection, schema):
            return False
        statements: list[sql.Composable] = [sql.SQL("SET LOCAL session_replication_role = replica")]
        statements += [
            sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, table)) for table in self.tables
        ]
        statements += [
            sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                sql.Identifier(schema, table), sql.Identifier(self.schema, table)
            )
            for table in self.seeded
        ]
        # setval, not ALTER SEQUENCE … RESTART, which gives the sequence a new file
        statements += [
            sql.SQL("SELECT setval({}, {}, {})").format(
                sql.Literal(f"{schema}.{name}"), sql.Literal(value), sql.Literal(called)
            )
            for name, (value, called) in self.sequences.items()
        ]
        try:
            with connection.transaction():
                connection.execute(sql.SQL("; ").join(statements))
        except psycopg.errors.InsufficientPrivilege:
            return False
        return True


def _locked(connection: psycopg.Connection[tuple[object, ...]], schema: str) -> bool:
    """Whether a session still holds an advisory lock named after the schema (the background
    jobs' leader lock, api/background.py): a process a test left behind, which a later test on
    this schema would find in its way."""
    row = connection.execute(
        "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
        " AND objid = hashtext(%s)::oid)",
        (schema,),
    ).fetchone()
    return row == (True,)


def _names(connection: psycopg.Connection[tuple[object, ...]], schema: str, kind: str) -> list[str]:
    return [
        str(name)
        for (name,) in connection.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = %s ORDER BY c.relname",
            (schema, kind),
        )
    ]


def drop(connection: psycopg.Connection[tuple[object, ...]], schema: str) -> None:
    connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
