"""Per-subject data keys, wrapped by the master key, and crypto-shredding.

    data key (AES-256, one per data subject)  --sealed by-->  master key (never in the database)

Erasing a subject destroys its wrapped data key: every ciphertext of that person, in every
event and every backup of the events, becomes unreadable, while the events stay byte-for-byte
unchanged. Rotating the master key re-wraps data keys and touches no event.
"""

import base64
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore

from privacy.crypto import TamperedError, new_key, open_sealed, seal
from privacy.db.single_reads import select_rows
from privacy.fields import ERASED, TAMPERED, Personal
from privacy.keys.key_rows import (
    ErasureRecords,
    KeyRowsRead,
    read_statements,
    sealed_subjects,
    writable_statement,
)
from privacy.keys.master_key import MasterKeyError, MasterKeyring
from privacy.keys.stream_subjects import StreamSubjects

ENCRYPTING_KEYS_CACHED = 10_000
UNWRAPPED_KEYS_CACHED = 10_000


class FieldOpener(NamedTuple):
    """What opens the fields sealed under one data key: its cipher and their context."""

    cipher: AESGCM
    context: bytes


class _Unwrapped(NamedTuple):
    stored: tuple[str, str, str]  # the row it came from: key id, wrapped key, master key id
    key: bytes
    subject_id: UUID
    opener: FieldOpener


# One response's data keys by (subject, key id); None for a key that is gone. Never shared
# between responses, so an erasure shows on the next one.
KeyMemo = dict[tuple[UUID, str], FieldOpener | None]
_NOT_READ: Any = object()


class SubjectErasedError(Exception):
    """The data subject was erased: no new personal data is written under their id."""


class SubjectKeyStore:
    """Data keys of data subjects, in a side table of the ledger's own database."""

    def __init__(self, keyring: MasterKeyring) -> None:
        self.keyring = keyring
        self._datastore: PostgresDatastore | None = None
        # The key rows of one subject and of several, for a recorder to read with events
        # (`privacy.keys.key_rows.read_statements`); known once attached.
        self._rows_sql: tuple[str, str] | None = None
        self._erasures: ErasureRecords | None = None
        # Recently used data keys for encrypting, so that a busy customer costs no query per
        # write; bounded, and emptied for a subject the moment this process erases them.
        self._encrypting: OrderedDict[UUID, tuple[str, bytes]] = OrderedDict()
        # Unwrapped data keys by subject, each with the exact stored row it came from: a reveal
        # still reads the row every time (so an erasure or a rotation shows at once) and skips
        # only the unwrapping when the row is unchanged.
        self._unwrapped: OrderedDict[str, _Unwrapped] = OrderedDict()
        self._lock = threading.Lock()
        self.streams = StreamSubjects()

    # -- set-up --------------------------------------------------------------------------------

    def attach(self, datastore: PostgresDatastore, erasures: ErasureRecords | None = None) -> None:
        """Use the event store's datastore (known only once the application is built).

        With `erasures`, every read of a key row also asks the ledger whether the person's
        erasure is recorded there (`privacy.keys.key_rows`), so a key row restored from an
        older backup opens nothing.
        """
        self._datastore = datastore
        self._erasures = erasures
        self._table = f'"{datastore.schema}".ledger_subject_keys'
        self._rows_sql = read_statements(self._table, erasures)
        self._writable_sql = writable_statement(self._table, erasures)
        with self._cursor() as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} (subject_id TEXT PRIMARY KEY, "
                "key_id TEXT NOT NULL, wrapped TEXT, master_key_id TEXT, "
                "created_at TEXT NOT NULL, erased_at TEXT)"
            )
        self.check_master_key()

    @contextmanager
    def _cursor(self, *, commit: bool = True) -> Iterator[Any]:
        if self._datastore is None:
            raise RuntimeError("the key store is not attached to a datastore yet")
        with self._datastore.transaction(commit=commit) as cursor:
            yield cursor

    def check_master_key(self) -> None:
        """Refuse to start with a master key that did not wrap the stored data keys."""
        with self._cursor(commit=False) as c:
            c.execute(
                f"SELECT subject_id, key_id, wrapped, master_key_id FROM {self._table} "
                "WHERE wrapped IS NOT NULL ORDER BY master_key_id LIMIT 1"
            )
            row = c.fetchone()
            c.execute(f"SELECT DISTINCT master_key_id FROM {self._table} WHERE wrapped IS NOT NULL")
            used = {r["master_key_id"] for r in c.fetchall()}
        if missing := used - set(self.keyring.keys):
            raise MasterKeyError(
                f"the master key from {self.keyring.source} does not match the stored data keys "
                f"(wrapped under {', '.join(sorted(missing))})"
            )
        if row is not None:
            try:
                self._unwrap(row)
            except TamperedError:
                raise MasterKeyError(
                    f"the master key from {self.keyring.source} cannot unwrap the stored data keys"
                ) from None

    # -- wrapping --------------------------------------------------------------------------------

    @staticmethod
    def _context(subject_id: str, key_id: str) -> bytes:
        return f"data-key|{subject_id}|{key_id}".encode()

    def _unwrap(self, row: Any) -> bytes:
        master = self.keyring.get(row["master_key_id"])
        return open_sealed(
            master,
            base64.b64decode(row["wrapped"]),
            self._context(row["subject_id"], row["key_id"]),
        )

    # -- keys for encrypting and decrypting ----------------------------------------------------

    def key_for_encrypting(self, subject_id: UUID) -> tuple[str, bytes]:
        with self._lock:
            cached = self._encrypting.get(subject_id)
            if cached:
                self._encrypting.move_to_end(subject_id)
                return cached
        row = self._select(subject_id)
        if row is None:
            created = self._create(subject_id)
            if created is not None:
                return self._remember(subject_id, created)
            row = self._select(subject_id)  # another writer created it first: use theirs
        if row is None or row["wrapped"] is None:
            raise SubjectErasedError("the data subject was erased")
        return self._remember(subject_id, (row["key_id"], self._unwrap(row)))

    def prepare_new_subject(self, subject_id: UUID) -> None:
        """Create the data key of a subject id just minted, in one statement instead of three.

        For an id that might exist already use `key_for_encrypting`, which looks first.
        """
        created = self._create(subject_id)
        if created is not None:
            self._remember(subject_id, created)

    def prepare_new_subjects(self, subject_ids: list[UUID]) -> None:
        """`prepare_new_subject` for many ids just minted, in one transaction (bulk loads)."""
        master_id, master = self.keyring.current()
        made = [(s, uuid4().hex[:16], new_key()) for s in subject_ids]
        now = datetime.now(UTC).isoformat()
        with self._cursor() as c:
            c.executemany(
                f"INSERT INTO {self._table} (subject_id, key_id, wrapped, master_key_id, "
                f"created_at) VALUES (%s, %s, %s, %s, %s)",
                [
                    (
                        str(s),
                        key_id,
                        base64.b64encode(seal(master, key, self._context(str(s), key_id))).decode(),
                        master_id,
                        now,
                    )
                    for s, key_id, key in made
                ],
            )
        for s, key_id, key in made:
            self._remember(s, (key_id, key))

    def _remember(self, subject_id: UUID, found: tuple[str, bytes]) -> tuple[str, bytes]:
        with self._lock:
            self._encrypting[subject_id] = found
            if len(self._encrypting) > ENCRYPTING_KEYS_CACHED:
                self._encrypting.popitem(last=False)
        return found

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
            self.erase(subject_id, at=datetime.now(UTC))
            row = {**row, "wrapped": None, "master_key_id": None}
        return row

    def _create(self, subject_id: UUID) -> tuple[str, bytes] | None:
        """Store a new data key for the subject; None if the subject already has a row."""
        key_id = uuid4().hex[:16]
        master_id, master = self.keyring.current()
        data_key = new_key()
        wrapped = seal(master, data_key, self._context(str(subject_id), key_id))
        with self._cursor() as c:
            c.execute(
                f"INSERT INTO {self._table} (subject_id, key_id, wrapped, master_key_id, "
                f"created_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (subject_id) DO NOTHING "
                "RETURNING key_id",
                (
                    str(subject_id),
                    key_id,
                    base64.b64encode(wrapped).decode(),
                    master_id,
                    datetime.now(UTC).isoformat(),
                ),
            )
            inserted = c.fetchone() is not None
        return (key_id, data_key) if inserted else None

    def key_for_decrypting(self, subject_id: UUID, key_id: str) -> bytes | None:
        """The data key, or None when it was destroyed (the subject was erased)."""
        found = self._read_key(subject_id, key_id)
        return None if found is None else found.key

    def _read_key(self, subject_id: UUID, key_id: str) -> _Unwrapped | None:
        row = self._select(subject_id)
        if row is None or row["key_id"] != key_id:
            return None
        return self._key_from_row(row)

    def _key_from_row(self, row: Any) -> _Unwrapped | None:
        subject = row["subject_id"]
        if row["wrapped"] is not None and row["erased_in_ledger"]:
            # A key row restored after the erasure the ledger records: it opens nothing and
            # is destroyed again, here, on the first read that finds it.
            self.erase(UUID(subject), at=datetime.now(UTC))
            return None
        if row["wrapped"] is None:
            with self._lock:  # destroyed: drop this process's copy too
                self._unwrapped.pop(subject, None)
            return None
        stored = (row["key_id"], row["wrapped"], row["master_key_id"])
        cached = self._unwrapped.get(subject)
        if cached is not None and cached.stored == stored:
            return cached
        key = self._unwrap(row)
        subject_id = UUID(subject)
        found = _Unwrapped(
            stored,
            key,
            subject_id,
            FieldOpener(AESGCM(key), self._field_context(subject_id, row["key_id"])),
        )
        with self._lock:
            self._unwrapped[subject] = found
            self._unwrapped.move_to_end(subject)
            if len(self._unwrapped) > UNWRAPPED_KEYS_CACHED:
                self._unwrapped.popitem(last=False)
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

    def check_writable(self, cursor: Any, states: Sequence[bytes]) -> None:
        """Inside a write's transaction: refuse it if any person whose values it seals is erased.

        Holds each such person's key row (`FOR SHARE`) until the write commits, so an erasure
        in any process either comes first (and the write is refused here, whatever key this
        process had cached) or waits for the write, whose values its key destruction then
        erases with the rest. The erasure recorded in the ledger counts as much as the row.
        """
        subjects = sealed_subjects(states)
        if not subjects:
            return
        ordered = sorted(subjects)
        cursor.execute(self._writable_sql, (ordered, [self._record(s) for s in ordered]))
        alive = {row["subject_id"] for row in cursor.fetchall()}
        if erased := subjects - alive:
            with self._lock:
                for subject in erased:
                    self._encrypting.pop(UUID(subject), None)
                    self._unwrapped.pop(subject, None)
            raise SubjectErasedError("the data subject was erased")

    def _remember_row(self, memo: KeyMemo, row: Any) -> None:
        try:
            found = self._key_from_row(row)
        except TamperedError:
            return  # left for `reveal` to read again and report as it always has
        if found is None:
            memo[(UUID(row["subject_id"]), row["key_id"])] = None
        else:
            memo[(found.subject_id, row["key_id"])] = found.opener

    # -- personal values -------------------------------------------------------------------------

    @staticmethod
    def _field_context(subject_id: UUID, key_id: str) -> bytes:
        return f"field|{subject_id}|{key_id}".encode()

    def seal(self, value: Personal) -> Personal:
        if value.ciphertext is not None:
            return value
        key_id, key = self.key_for_encrypting(value.subject_id)
        plaintext = (value.plaintext or "").encode()
        return Personal(
            subject_id=value.subject_id,
            key_id=key_id,
            ciphertext=seal(key, plaintext, self._field_context(value.subject_id, key_id)),
        )

    def reveal(self, value: Personal, keys: KeyMemo | None = None) -> str:
        """The plaintext, `[erased]` once the key is gone, or `[tampered]` if it fails to open.

        `keys` memoises data keys for the caller (one response reveals many fields of one
        person); it is never shared between requests, so an erasure shows on the next read.
        """
        if value.plaintext is not None:
            return value.plaintext
        if value.ciphertext is None or value.key_id is None:
            return TAMPERED
        memo = {} if keys is None else keys
        slot = (value.subject_id, value.key_id)
        opener = memo.get(slot, _NOT_READ)
        if opener is _NOT_READ:
            try:
                found = self._read_key(value.subject_id, value.key_id)
            except TamperedError:  # a key row that is not this person's, or edited
                return TAMPERED
            opener = memo[slot] = None if found is None else found.opener
        if opener is None:
            return ERASED
        try:
            return open_sealed(opener.cipher, value.ciphertext, opener.context).decode()
        except (TamperedError, UnicodeDecodeError):
            return TAMPERED

    # -- erasure and rotation ------------------------------------------------------------------

    def erase(self, subject_id: UUID, *, at: datetime) -> bool:
        """Destroy the subject's data key; True if there was one to destroy."""
        with self._lock:
            self._encrypting.pop(subject_id, None)
            self._unwrapped.pop(str(subject_id), None)
        with self._cursor() as c:
            c.execute(
                f"UPDATE {self._table} SET wrapped = NULL, master_key_id = NULL, "
                f"erased_at = %s WHERE subject_id = %s AND wrapped IS NOT NULL RETURNING key_id",
                (at.isoformat(), str(subject_id)),
            )
            destroyed = c.fetchone() is not None
            if not destroyed:
                # Erase a subject we never held data for, so nothing can be written for them later.
                c.execute(
                    f"INSERT INTO {self._table} (subject_id, key_id, created_at, erased_at) "
                    f"VALUES (%s, %s, %s, %s) ON CONFLICT (subject_id) DO NOTHING",
                    (str(subject_id), "none", at.isoformat(), at.isoformat()),
                )
        return destroyed

    def erase_many(self, subject_ids: list[UUID], *, at: datetime) -> None:
        """Destroy the data keys of many subjects in one transaction (a destroyed one stays so).

        For the retention run, whose subjects all hold keys; a subject without a row is left
        as it is (`erase` records one).
        """
        with self._lock:
            for subject_id in subject_ids:
                self._encrypting.pop(subject_id, None)
                self._unwrapped.pop(str(subject_id), None)
        if not subject_ids:
            return
        with self._cursor() as c:  # one statement, many rows: one round trip per batch
            c.executemany(
                f"UPDATE {self._table} SET wrapped = NULL, master_key_id = NULL, "
                f"erased_at = %s WHERE subject_id = %s AND wrapped IS NOT NULL",
                [(at.isoformat(), str(subject_id)) for subject_id in subject_ids],
            )

    def is_erased(self, subject_id: UUID) -> bool:
        row = self._select(subject_id)
        return row is not None and row["wrapped"] is None

    def rotate(self, progress: Callable[[int], None] | None = None) -> int:
        """Re-wrap every data key not yet under the current master key; resumable."""
        current_id, current = self.keyring.current()
        done = 0
        while True:
            with self._cursor() as c:
                c.execute(
                    f"SELECT subject_id, key_id, wrapped, master_key_id FROM {self._table} "
                    f"WHERE wrapped IS NOT NULL AND master_key_id <> %s LIMIT 500",
                    (current_id,),
                )
                rows = c.fetchall()
                for row in rows:
                    data_key = self._unwrap(row)
                    rewrapped = seal(
                        current, data_key, self._context(row["subject_id"], row["key_id"])
                    )
                    c.execute(
                        f"UPDATE {self._table} SET wrapped = %s, master_key_id = %s "
                        f"WHERE subject_id = %s AND master_key_id = %s",
                        (
                            base64.b64encode(rewrapped).decode(),
                            current_id,
                            row["subject_id"],
                            row["master_key_id"],
                        ),
                    )
            done += len(rows)
            if progress:
                progress(done)
            if not rows:
                return done

    def master_key_ids_in_use(self) -> set[str]:
        with self._cursor(commit=False) as c:
            c.execute(f"SELECT DISTINCT master_key_id FROM {self._table} WHERE wrapped IS NOT NULL")
            return {r["master_key_id"] for r in c.fetchall()}
