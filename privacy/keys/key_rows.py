"""The statements that read data-key rows, each checked against the ledger's record of erasures.

A key row alone cannot prove that a person was never erased: a row restored from a backup
taken before the erasure looks exactly like a live one. What cannot be restored unseen is the
event log (append-only, chained, signed), so every read of a key row asks it too, in the same
statement: `erased_in_ledger` is true when the person's erasure record (a stream of the
ledger's, named by `ErasureRecords.record_of`) holds one of the erasure topics. The key store
then treats the row as destroyed and destroys it again (`SubjectKeyStore`).

The key store knows no ledger: the application hands it the events table, the stream naming
and the topics (`ErasureRecords`) when it attaches it.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, NamedTuple
from uuid import UUID

# The columns of a key row as a read brings it back; the event recorder pads its events with
# them when it reads key rows in the same statement (`ledger.store.recorders`).
KEY_COLUMNS = ("subject_id", "key_id", "wrapped", "master_key_id", "erased_in_ledger")
KEY_COLUMN_TYPES = ("text", "text", "text", "text", "boolean")

# A sealed personal value as the transcoder stores it: {"_type_":"personal","_data_":{"s":...
_SEALED_SUBJECT = re.compile(rb'"_type_": ?"personal", ?"_data_": ?\{"s": ?"([0-9a-fA-F-]{36})"')


class ErasureRecords(NamedTuple):
    """Where the ledger records erasures: its events table, a person's stream, the topics."""

    events_table: str  # schema-qualified and quoted
    record_of: Callable[[UUID], UUID]
    topics: tuple[str, ...]

    def exists_sql(self, record: str) -> str:
        """SQL true when the stream `record` (an SQL uuid expression) holds an erasure."""
        topics = ", ".join("'" + t.replace("'", "''") + "'" for t in self.topics)
        return (
            f"EXISTS (SELECT 1 FROM {self.events_table} e WHERE e.originator_id = {record} "  # noqa: S608
            f"AND e.topic IN ({topics}))"
        )


def read_statements(table: str, erasures: ErasureRecords | None) -> tuple[str, str]:
    """The key row of one subject, and of several: parameters (subject ids, their records).

    One subject is an index scan; several come as two texts of ids separated by spaces
    (psycopg dumps a str faster than a list).
    """
    erased = "FALSE" if erasures is None else erasures.exists_sql("w.record")
    columns = (
        f"SELECT k.subject_id, k.key_id, k.wrapped, k.master_key_id, {erased} AS erased_in_ledger "
    )
    one = f"{columns}FROM (SELECT %s::text AS subject_id, %s::uuid AS record) AS w "
    many = (
        f"{columns}FROM unnest(string_to_array(%s, ' '), string_to_array(%s, ' ')::uuid[]) "
        "AS w(subject_id, record) "
    )
    join = f"JOIN {table} k ON k.subject_id = w.subject_id"
    return one + join, many + join


# The function a write calls before it takes the events' lock (ledger/store/appending.py), and
# the SQLSTATE it refuses the write with; its DETAIL lists the erased subjects.
WRITABLE_FUNCTION: Final = "ledger_check_writable"
ERASED_STATE: Final = "LDG01"


def writable_function(schema: str, table: str, erasures: ErasureRecords | None) -> str:
    """CREATE FUNCTION: refuse a write if any of its subjects' key is gone or their erasure is
    recorded, and hold the other subjects' key rows against an erasure until it commits."""
    erased = "FALSE" if erasures is None else erasures.exists_sql("w.record")
    return (
        f'CREATE OR REPLACE FUNCTION "{schema}".{WRITABLE_FUNCTION}(subjects text[], '  # noqa: S608
        "records uuid[]) RETURNS void LANGUAGE plpgsql AS $$ DECLARE alive text[]; "
        "erased text[]; BEGIN "
        "alive := ARRAY(SELECT k.subject_id FROM unnest(subjects, records) "
        f"AS w(subject_id, record) JOIN {table} k ON k.subject_id = w.subject_id "
        f"WHERE k.wrapped IS NOT NULL AND NOT {erased} FOR SHARE OF k); "
        "erased := ARRAY(SELECT s FROM unnest(subjects) AS s WHERE s <> ALL(alive)); "
        "IF cardinality(erased) > 0 THEN RAISE EXCEPTION 'the data subject was erased' "
        f"USING ERRCODE = '{ERASED_STATE}', DETAIL = array_to_string(erased, ' '); END IF; "
        "END $$"
    )


def sealed_subjects(states: Iterable[bytes]) -> set[str]:
    """The subject ids (canonical text) of the personal values sealed in these stored events."""
    found: set[str] = set()
    for state in states:
        if b'"personal"' in state:
            found.update(str(UUID(m.decode())) for m in _SEALED_SUBJECT.findall(state))
    return found


class KeyRowsRead:
    """Data-key rows to read in the same statement as a stream's events, for one response.

    The recorder runs `sql` with `params` beside its event query and hands the rows it got
    back to `take`.
    """

    def __init__(self, sql: str, params: tuple[str, str], remember: Callable[[Any], None]) -> None:
        self.sql = sql
        self.params = params
        self._remember = remember

    def take(self, rows: Sequence[Any]) -> None:
        for row in rows:
            self._remember(row)
