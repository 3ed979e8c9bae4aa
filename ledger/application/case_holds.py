"""The complaints and incidents under legal hold that hold a person's data, for an erasure.

An erasure is refused while a case holding the person's data is under legal hold. The answer is
read from the events themselves, which no projection can lag behind, but without loading every
case that names the person (that cost what the person's history costs: 0.4 s for a person of
10 000 events) or searching the whole table for them (a scan that grows with the ledger): a
partial index keeps the cases' hold events, a handful in any ledger; the latest of a case's
says whether it is held now, and only the held cases' own events are searched for the person.
"""

from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from ledger.cases.complaint import Complaint
from ledger.incidents.incident import Incident
from ledger.topics import topics_of
from privacy.db.schema_lock import serialise_schema_changes


def _literals(topics: list[str]) -> str:
    return ", ".join("'" + t.replace("'", "''") + "'" for t in topics)


# Placed and lifted, of both kinds of case, under their topics now and before the move.
PLACED = [t for kind in (Complaint, Incident) for t in topics_of(kind.LegalHoldPlaced)]
LIFTED = [t for kind in (Complaint, Incident) for t in topics_of(kind.LegalHoldLifted)]


class CaseHolds:
    """The hold events of the event table, indexed, and the held cases naming a person."""

    def __init__(self, datastore: PostgresDatastore, events_table: str) -> None:
        self._datastore = datastore
        self._schema = datastore.schema
        self._index = f"{events_table}_legal_holds"
        self._table = f'"{self._schema}"."{events_table}"'
        hold_topics = _literals(PLACED + LIFTED)
        # The statement repeats the index's predicate word for word, so the planner uses it.
        self._held_naming = (
            "WITH latest AS (SELECT DISTINCT ON (originator_id) originator_id, topic "  # noqa: S608
            f"FROM {self._table} WHERE topic IN ({hold_topics}) "
            "ORDER BY originator_id, originator_version DESC) "
            f"SELECT l.originator_id FROM latest l WHERE l.topic IN ({_literals(PLACED)}) "
            f"AND EXISTS (SELECT 1 FROM {self._table} e WHERE e.originator_id = l.originator_id "
            "AND position(%s in e.state) > 0)"
        )
        self._create = (
            f'CREATE INDEX "{self._index}" ON {self._table} '
            f"(originator_id, originator_version) WHERE topic IN ({hold_topics})"
        )

    def create_index(self) -> None:
        """The partial index of hold events, made once (a ledger from before gets it here).

        Looked up first: CREATE INDEX takes a lock that writers' table lock waits on, even when
        the index exists.
        """
        with self._datastore.transaction(commit=True) as cursor:
            exists = "SELECT 1 FROM pg_indexes WHERE schemaname = %s AND indexname = %s"
            if cursor.execute(exists, (self._schema, self._index)).fetchone():
                return
            serialise_schema_changes(cursor)
            if not cursor.execute(exists, (self._schema, self._index)).fetchone():
                cursor.execute(self._create)

    def held_naming(self, subject_id: UUID) -> list[UUID]:
        """The ids of the complaints and incidents under legal hold whose events name the person."""
        with self._datastore.get_connection() as connection:
            rows = connection.execute(self._held_naming, (str(subject_id).encode(),)).fetchall()
        return [row["originator_id"] for row in rows]
