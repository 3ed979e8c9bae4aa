"""The archive: one append-only row per archived case, and one per key destroyed by retention.

Rows are written by the retention run (projections/retention/run.py); triggers refuse UPDATE and
DELETE, like the event log. A case id or subject id is a primary key, so a rerun can never
archive a case or record a destruction twice. Times are ISO 8601 UTC text.
"""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from eventsourcing.postgres import PostgresDatastore

from privacy.db.schema_in_place import apply_schema
from privacy.db.schema_lock import serialise_schema_changes
from privacy.db.single_reads import reading_cursor

REFUSAL = "the archive is append-only"


def canonical(record: dict[str, Any]) -> str:
    """The one JSON text of a record that its SHA-256 is taken over."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_sha256(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(record).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ArchiveRow:
    case_id: str
    kind: str
    closed_at: str
    archived_at: str
    run_id: str
    record: dict[str, Any]
    sha256: str


class StoredDigest(NamedTuple):
    """An archive row's case, the SHA-256 it stores for its record, the run that wrote it and
    when."""

    case_id: str
    sha256: str
    run_id: str
    archived_at: str


@dataclass(frozen=True)
class DestructionRow:
    subject_id: str
    run_id: str
    destroyed_at: str
    cases: list[str]


class ArchiveTables:
    """SQL for the archive tables beside the event store."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore
        schema = datastore.schema
        self._archives = f'"{schema}".ledger_archives'
        self._destructions = f'"{schema}".ledger_retention_destructions'
        refuse = f'"{schema}".ledger_archive_refuse'
        statements = [
            f"CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; "
            "END $$",
        ]
        for table, name in (
            (self._archives, "ledger_archives"),
            (self._destructions, "ledger_retention_destructions"),
        ):
            statements += [
                f"CREATE OR REPLACE TRIGGER {name}_refuse BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {refuse}()",
                f"CREATE OR REPLACE TRIGGER {name}_refuse_truncate BEFORE TRUNCATE ON "
                f"{table} FOR EACH STATEMENT EXECUTE FUNCTION {refuse}()",
            ]
        self._statements = [
            f"CREATE TABLE IF NOT EXISTS {self._archives} (case_id TEXT PRIMARY KEY, "
            "kind TEXT NOT NULL, closed_at TEXT NOT NULL, archived_at TEXT NOT NULL, "
            "run_id TEXT NOT NULL, record TEXT NOT NULL, sha256 TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS ledger_archives_by_closure ON {self._archives} "
            "(closed_at, case_id)",
            f"CREATE TABLE IF NOT EXISTS {self._destructions} (subject_id TEXT PRIMARY KEY, "
            "run_id TEXT NOT NULL, destroyed_at TEXT NOT NULL, cases TEXT NOT NULL)",
            *statements,
        ]

    @property
    def archives_table(self) -> str:
        """The archive table's qualified name, for queries that join it."""
        return self._archives

    @property
    def destructions_table(self) -> str:
        return self._destructions

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self._datastore.transaction(commit=True) as cursor:
            yield cursor

    def create(self) -> None:
        with self._cursor() as c:
            serialise_schema_changes(c)
            apply_schema(c, self._statements)

    # -- archives ----------------------------------------------------------------------------

    def add_archives(self, rows: list[ArchiveRow]) -> None:
        """Store archive rows; a case archived already keeps its first row."""
        if not rows:
            return
        with self._cursor() as c:
            c.executemany(
                f"INSERT INTO {self._archives} (case_id, kind, closed_at, archived_at, run_id, "
                f"record, sha256) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (case_id) DO NOTHING",
                [
                    (
                        row.case_id,
                        row.kind,
                        row.closed_at,
                        row.archived_at,
                        row.run_id,
                        canonical(row.record),
                        row.sha256,
                    )
                    for row in rows
                ],
            )

    def archived_case_ids(self) -> set[str]:
        with reading_cursor(self._datastore) as c:
            c.execute(f"SELECT case_id FROM {self._archives}")
            return {r["case_id"] for r in c.fetchall()}

    def archive(self, case_id: str) -> ArchiveRow | None:
        rows = self._select("WHERE case_id = %s", (case_id,), limit=1)
        return rows[0] if rows else None

    def digests_of(self, case_ids: list[str]) -> list[StoredDigest]:
        """What the stored rows of these cases (those that have one) say their records hash
        to, in one query, without reading the records."""
        with reading_cursor(self._datastore) as c:
            c.execute(
                f"SELECT case_id, sha256, run_id, archived_at FROM {self._archives} "
                "WHERE case_id = ANY(%s)",
                (case_ids,),
            )
            return [
                StoredDigest(r["case_id"], r["sha256"], r["run_id"], r["archived_at"])
                for r in c.fetchall()
            ]

    def archives(
        self,
        *,
        closed_from: str | None = None,
        closed_to: str | None = None,
        kind: str | None = None,
        limit: int = 1000,
    ) -> list[ArchiveRow]:
        """Archive rows by closure time (from inclusive, to exclusive), oldest first."""
        clauses, params = [], []
        if closed_from is not None:
            clauses.append("closed_at >= %s")
            params.append(closed_from)
        if closed_to is not None:
            clauses.append("closed_at < %s")
            params.append(closed_to)
        if kind is not None:
            clauses.append("kind = %s")
            params.append(kind)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return self._select(where, tuple(params), limit=limit)

    def _select(self, where: str, params: tuple[Any, ...], *, limit: int) -> list[ArchiveRow]:
        with reading_cursor(self._datastore) as c:
            c.execute(
                "SELECT case_id, kind, closed_at, archived_at, run_id, record, sha256 "
                f"FROM {self._archives} {where} ORDER BY closed_at, case_id LIMIT %s",
                (*params, limit),
            )
            rows = c.fetchall()
        return [
            ArchiveRow(
                r["case_id"],
                r["kind"],
                r["closed_at"],
                r["archived_at"],
                r["run_id"],
                json.loads(r["record"]),
                r["sha256"],
            )
            for r in rows
        ]

    # -- destructions --------------------------------------------------------------------------

    def add_destructions(self, rows: list[DestructionRow]) -> None:
        if not rows:
            return
        with self._cursor() as c:
            c.executemany(
                f"INSERT INTO {self._destructions} (subject_id, run_id, destroyed_at, cases) "
                f"VALUES (%s, %s, %s, %s) ON CONFLICT (subject_id) DO NOTHING",
                [(r.subject_id, r.run_id, r.destroyed_at, json.dumps(r.cases)) for r in rows],
            )

    def destructions(self) -> list[DestructionRow]:
        with reading_cursor(self._datastore) as c:
            c.execute(
                f"SELECT subject_id, run_id, destroyed_at, cases FROM {self._destructions} "
                "ORDER BY destroyed_at, subject_id"
            )
            rows = c.fetchall()
        return [
            DestructionRow(r["subject_id"], r["run_id"], r["destroyed_at"], json.loads(r["cases"]))
            for r in rows
        ]

    def counts_by_month(self) -> dict[str, tuple[int, int]]:
        """Per `YYYY-MM`: cases archived and keys destroyed in that month."""
        counts: dict[str, list[int]] = {}
        with reading_cursor(self._datastore) as c:
            for column, table, slot in (
                ("archived_at", self._archives, 0),
                ("destroyed_at", self._destructions, 1),
            ):
                c.execute(
                    f"SELECT substr({column}, 1, 7) AS month, COUNT(*) AS n FROM {table} "
                    f"GROUP BY substr({column}, 1, 7)"
                )
                for row in c.fetchall():
                    counts.setdefault(row["month"], [0, 0])[slot] = int(row["n"])
        return {month: (n[0], n[1]) for month, n in counts.items()}

    def destroyed_subject_ids(self) -> set[str]:
        with reading_cursor(self._datastore) as c:
            c.execute(f"SELECT subject_id FROM {self._destructions}")
            return {r["subject_id"] for r in c.fetchall()}


def archive_tables_for(datastore: PostgresDatastore) -> ArchiveTables:
    tables = ArchiveTables(datastore)
    tables.create()
    return tables
