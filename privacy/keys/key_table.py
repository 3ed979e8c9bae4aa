"""The SQL of the key store: its side table of wrapped data keys in the ledger's database.

    ledger_subject_keys(subject_id, key_id, wrapped, master_key_id, created_at, erased_at)

A destroyed key keeps its row with `wrapped` NULL, so nothing is written for the person again.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from privacy.db.schema_in_place import apply_schema
from privacy.db.schema_lock import serialise_schema_changes
from privacy.db.single_reads import reading_cursor


class KeyTable:
    """The key rows of one schema."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        self.name = f'"{datastore.schema}".ledger_subject_keys'

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A cursor in a transaction of its own, committed at the end."""
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    def create(self) -> None:
        """Create the table if it is not there."""
        with self.cursor() as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.name} (subject_id TEXT PRIMARY KEY, "
                "key_id TEXT NOT NULL, wrapped TEXT, master_key_id TEXT, "
                "created_at TEXT NOT NULL, erased_at TEXT)"
            )

    def create_function(self, statement: str) -> None:
        """Create (or put back) a function over the table, unless it is in place as defined."""
        with self.cursor() as c:
            serialise_schema_changes(c)
            apply_schema(c, [statement])

    def sample_and_masters(self) -> tuple[Any, set[str]]:
        """One wrapped key row (None if there is none) and every master key id in use."""
        with reading_cursor(self.datastore) as c:
            c.execute(
                f"SELECT subject_id, key_id, wrapped, master_key_id FROM {self.name} "
                "WHERE wrapped IS NOT NULL ORDER BY master_key_id LIMIT 1"
            )
            row = c.fetchone()
            c.execute(f"SELECT DISTINCT master_key_id FROM {self.name} WHERE wrapped IS NOT NULL")
            used = {r["master_key_id"] for r in c.fetchall()}
        return row, used

    def master_key_ids_in_use(self) -> set[str]:
        """The master keys some live data key is wrapped under."""
        with reading_cursor(self.datastore) as c:
            c.execute(f"SELECT DISTINCT master_key_id FROM {self.name} WHERE wrapped IS NOT NULL")
            return {r["master_key_id"] for r in c.fetchall()}

    def insert(self, row: tuple[str, str, str, str, str]) -> bool:
        """Store a key row (subject, key id, wrapped, master key id, created at); False if the
        subject already has one."""
        with self.cursor() as c:
            c.execute(
                f"INSERT INTO {self.name} (subject_id, key_id, wrapped, master_key_id, "
                f"created_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (subject_id) DO NOTHING "
                "RETURNING key_id",
                row,
            )
            return c.fetchone() is not None

    def insert_many(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        """Store many key rows of subjects just minted, in one transaction."""
        with self.cursor() as c:
            c.executemany(
                f"INSERT INTO {self.name} (subject_id, key_id, wrapped, master_key_id, "
                f"created_at) VALUES (%s, %s, %s, %s, %s)",
                rows,
            )

    def destroy(self, subject_id: str, at: str) -> bool:
        """Destroy the subject's wrapped key; True if there was one to destroy.

        A subject without a row gets a destroyed one, so nothing can be written for them later.
        """
        with self.cursor() as c:
            c.execute(
                f"UPDATE {self.name} SET wrapped = NULL, master_key_id = NULL, "
                f"erased_at = %s WHERE subject_id = %s AND wrapped IS NOT NULL RETURNING key_id",
                (at, subject_id),
            )
            destroyed = c.fetchone() is not None
            if not destroyed:
                c.execute(
                    f"INSERT INTO {self.name} (subject_id, key_id, created_at, erased_at) "
                    f"VALUES (%s, %s, %s, %s) ON CONFLICT (subject_id) DO NOTHING",
                    (subject_id, "none", at, at),
                )
        return destroyed

    def destroy_many(self, subject_ids: list[str], at: str) -> None:
        """Destroy the wrapped keys of many subjects; a subject without a row is left so."""
        with self.cursor() as c:  # one statement, many rows: one round trip per batch
            c.executemany(
                f"UPDATE {self.name} SET wrapped = NULL, master_key_id = NULL, "
                f"erased_at = %s WHERE subject_id = %s AND wrapped IS NOT NULL",
                [(at, subject_id) for subject_id in subject_ids],
            )

    def rewrap_batch(self, current_id: str, rewrap: Callable[[Any], str]) -> int:
        """Re-wrap up to 500 keys not under `current_id` with `rewrap(row)`; how many."""
        with self.cursor() as c:
            c.execute(
                f"SELECT subject_id, key_id, wrapped, master_key_id FROM {self.name} "
                f"WHERE wrapped IS NOT NULL AND master_key_id <> %s LIMIT 500",
                (current_id,),
            )
            rows = c.fetchall()
            for row in rows:
                c.execute(
                    f"UPDATE {self.name} SET wrapped = %s, master_key_id = %s "
                    f"WHERE subject_id = %s AND master_key_id = %s",
                    (rewrap(row), current_id, row["subject_id"], row["master_key_id"]),
                )
        return len(rows)
