"""Reading data-key rows: each checked against the ledger's record of erasures, some with events.

A row whose person the ledger records as erased is destroyed again on the first read that finds
it (`privacy.keys.key_rows`); a read of events can bring the key rows of its stream's subjects
in the same statement (`key_rows_for`), and a write holds its subjects' rows until it commits
(`writable`: what the write's own statement checks). `SubjectKeyStore` builds on this with
encrypting, revealing and erasing.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from privacy.crypto import TamperedError
from privacy.db.single_reads import select_rows
from privacy.keys.blind_index import BlindIndex
from privacy.keys.key_cache import KeyCache, Unwrapped
from privacy.keys.key_rows import (
    ErasureRecords,
    KeyRowsRead,
    read_statements,
    sealed_subjects,
    writable_function,
)
from privacy.keys.key_table import KeyTable
from privacy.keys.master_key import MasterKeyError, MasterKeyring
from privacy.keys.stream_subjects import StreamSubjects
from privacy.keys.wrapping import FieldOpener, field_opener, unwrap

# One response's data keys by (subject, key id); None for a key that is gone. Never shared
# between responses, so an erasure shows on the next one.
KeyMemo = dict[tuple[UUID, str], FieldOpener | None]


class SubjectErasedError(Exception):
    """The data subject was erased: no new personal data is written under their id."""


class KeyReads(ABC):
    """The key rows of data subjects, in a side table of the ledger's own database."""

    def __init__(
        self, keyring: MasterKeyring, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.keyring = keyring
        self.now = now  # the ledger's clock: when a key was made or destroyed
        self._datastore: PostgresDatastore | None = None
        self._keys: KeyTable | None = None
        # The key rows of one subject and of several, for a recorder to read with events
        # (`privacy.keys.key_rows.read_statements`); known once attached.
        self._rows_sql: tuple[str, str] | None = None
        self._erasures: ErasureRecords | None = None
        self._cache = KeyCache()
        self.streams = StreamSubjects()
        self.blind_index: BlindIndex | None = None  # contact lookups, once attached

    # -- set-up --------------------------------------------------------------------------------

    def attach(self, datastore: PostgresDatastore, erasures: ErasureRecords | None = None) -> None:
        """Use the event store's datastore (known only once the application is built).

        With `erasures`, every read of a key row also asks the ledger whether the person's
        erasure is recorded there (`privacy.keys.key_rows`), so a key row restored from an
        older backup opens nothing.
        """
        self._datastore = datastore
        self._erasures = erasures
        self._keys = KeyTable(datastore)
        self._rows_sql = read_statements(self._keys.name, erasures)
        self._keys.create_function(writable_function(datastore.schema, self._keys.name, erasures))
        self._keys.create()
        self.blind_index = BlindIndex(datastore, self.keyring, self._keys.name, self.now)
        self.blind_index.create()
        self.check_master_key()

    @property
    def _table(self) -> KeyTable:
        if self._keys is None:
            raise RuntimeError("the key store is not attached to a datastore yet")
        return self._keys

    def check_master_key(self) -> None:
        """Refuse to start with a master key that did not wrap the stored data keys."""
        row, used = self._table.sample_and_masters()
        if missing := used - set(self.keyring.keys):
            raise MasterKeyError(
                f"the master key from {self.keyring.source} does not match the stored data keys "
                f"(wrapped under {', '.join(sorted(missing))})"
            )
        if row is not None:
            try:
                unwrap(self.keyring, row)
            except TamperedError:
                raise MasterKeyError(
                    f"the master key from {self.keyring.source} cannot unwrap the stored data keys"
                ) from None

    def _record(self, subject: UUID | str) -> str:
        """The id of the ledger stream that records the subject's erasure (nil without one)."""
        if self._erasures is None:
            return str(UUID(int=0))
        return str(self._erasures.record_of(UUID(str(subject))))

    def _select(self, subject_id: UUID) -> Any:
        """The subject's key row; one whose erasure the ledger records is destroyed again."""
        rows = select_rows(
            self._datastore,  # type: ignore[arg-type]  # attached before any key is read
            self._rows_sql[0],  # type: ignore[index]
            (str(subject_id), self._record(subject_id)),
        )
        row = rows[0] if rows else None
        if row is not None and row["erased_in_ledger"] and row["wrapped"] is not None:
            self.erase(subject_id, at=self.now())
            row = {**row, "wrapped": None, "master_key_id": None}
        return row

    def _read_key(self, subject_id: UUID, key_id: str) -> Unwrapped | None:
        row = self._select(subject_id)
        if row is None or row["key_id"] != key_id:
            return None
        return self._key_from_row(row)

    def _key_from_row(self, row: Any) -> Unwrapped | None:
        subject = row["subject_id"]
        if row["wrapped"] is not None and row["erased_in_ledger"]:
            # A key row restored after the erasure the ledger records: it opens nothing and
            # is destroyed again, here, on the first read that finds it.
            self.erase(UUID(subject), at=self.now())
            return None
        if row["wrapped"] is None:
            self._cache.forget_unwrapped(subject)  # destroyed: drop this process's copy too
            return None
        stored = (row["key_id"], row["wrapped"], row["master_key_id"])
        cached = self._cache.unwrapped(subject)
        if cached is not None and cached.stored == stored:
            return cached
        key = unwrap(self.keyring, row)
        subject_id = UUID(subject)
        found = Unwrapped(stored, key, subject_id, field_opener(subject_id, row["key_id"], key))
        self._cache.remember_unwrapped(subject, found)
        return found

    # -- one response's keys -------------------------------------------------------------------

    def key_rows_for(self, stream_id: UUID | str, memo: KeyMemo) -> "KeyRowsRead | None":
        """What a read of `stream_id` for one response should bring back with its events.

        The rows go into `memo`, the response's memo of data keys, so revealing needs no query
        of its own; the memo lives no longer than the response, so an erasure shows on the
        next one. Only on PostgreSQL, and only for a stream whose subjects this process has
        seen; anything else is read when revealed.
        """
        if self._rows_sql is None:
            return None
        subjects = self.streams.predict(stream_id)
        if not subjects:
            return None
        return KeyRowsRead(
            self._rows_sql[len(subjects) > 1],
            # UUIDs in their canonical spelling, and the streams recording their erasures
            (" ".join(subjects), " ".join(self._record(s) for s in subjects)),
            lambda row: self._remember_row(memo, row),
        )

    # -- writes ----------------------------------------------------------------------------------

    def writable(self, states: Sequence[bytes]) -> tuple[list[str], list[str]] | None:
        """The persons whose values these stored events seal, and the streams recording their
        erasures: what a write's transaction hands the check function (`key_rows.
        writable_function`) before it stores them; None when they seal nothing.

        The function refuses the write if any such person is erased, and holds each other
        one's key row (`FOR SHARE`) until the write commits, so an erasure in any process
        either comes first (and the write is refused, whatever key this process had cached)
        or waits for the write, whose values its key destruction then erases with the rest.
        The erasure recorded in the ledger counts as much as the row.
        """
        subjects = sorted(sealed_subjects(states))
        if not subjects:
            return None
        return subjects, [self._record(s) for s in subjects]

    def refused_write(self, erased: str) -> SubjectErasedError:
        """The error for a write the check function refused; `erased` is its DETAIL (the erased
        persons' ids), whose cached keys are forgotten."""
        self._cache.forget([UUID(subject) for subject in erased.split()])
        return SubjectErasedError("the data subject was erased")

    def _remember_row(self, memo: KeyMemo, row: Any) -> None:
        try:
            found = self._key_from_row(row)
        except TamperedError:
            return  # left for `reveal` to read again and report as it always has
        if found is None:
            memo[(UUID(row["subject_id"]), row["key_id"])] = None
        else:
            memo[(found.subject_id, row["key_id"])] = found.opener

    @abstractmethod
    def erase(self, subject_id: UUID, *, at: datetime) -> bool:
        """Destroy the subject's data key; True if there was one to destroy."""
