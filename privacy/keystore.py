"""Per-subject data keys, wrapped by the master key, and crypto-shredding.

    data key (AES-256, one per data subject)  --sealed by-->  master key (never in the database)

Erasing a subject destroys its wrapped data key: every ciphertext of that person, in every
event and every backup of the events, becomes unreadable, while the events stay byte-for-byte
unchanged. Rotating the master key re-wraps data keys and touches no event.
"""

import base64
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import Transcoding
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from privacy.crypto import TamperedError, new_key, open_sealed, seal
from privacy.fields import ERASED, TAMPERED, Personal
from privacy.master_key import MasterKeyError, MasterKeyring

ENCRYPTING_KEYS_CACHED = 10_000


class SubjectErasedError(Exception):
    """The data subject was erased: no new personal data is written under their id."""


class SubjectKeyStore:
    """Data keys of data subjects, in a side table of the ledger's own database."""

    def __init__(self, keyring: MasterKeyring) -> None:
        self.keyring = keyring
        self._datastore: SQLiteDatastore | PostgresDatastore | None = None
        # Recently used data keys for encrypting, so that a busy customer costs no query per
        # write; bounded, and emptied for a subject the moment this process erases them.
        self._encrypting: OrderedDict[UUID, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    # -- set-up --------------------------------------------------------------------------------

    def attach(self, datastore: SQLiteDatastore | PostgresDatastore) -> None:
        """Use the event store's datastore (known only once the application is built)."""
        self._datastore = datastore
        if isinstance(datastore, PostgresDatastore):
            self._p = "%s"
            self._table = f'"{datastore.schema}".ledger_subject_keys'
        else:
            self._p = "?"
            self._table = "ledger_subject_keys"
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
        p = self._p
        with self._cursor() as c:
            c.executemany(
                f"INSERT INTO {self._table} (subject_id, key_id, wrapped, master_key_id, "
                f"created_at) VALUES ({p}, {p}, {p}, {p}, {p})",
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

    def _select(self, subject_id: UUID) -> Any:
        with self._cursor(commit=False) as c:
            c.execute(
                f"SELECT subject_id, key_id, wrapped, master_key_id FROM {self._table} "
                f"WHERE subject_id = {self._p}",
                (str(subject_id),),
            )
            return c.fetchone()

    def _create(self, subject_id: UUID) -> tuple[str, bytes] | None:
        """Store a new data key for the subject; None if the subject already has a row."""
        key_id = uuid4().hex[:16]
        master_id, master = self.keyring.current()
        data_key = new_key()
        wrapped = seal(master, data_key, self._context(str(subject_id), key_id))
        p = self._p
        with self._cursor() as c:
            c.execute(
                f"INSERT INTO {self._table} (subject_id, key_id, wrapped, master_key_id, "
                f"created_at) VALUES ({p}, {p}, {p}, {p}, {p}) ON CONFLICT (subject_id) DO NOTHING "
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
        row = self._select(subject_id)
        if row is None or row["wrapped"] is None or row["key_id"] != key_id:
            return None
        return self._unwrap(row)

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

    def reveal(
        self, value: Personal, keys: dict[tuple[UUID, str], bytes | None] | None = None
    ) -> str:
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
        if slot not in memo:
            memo[slot] = self.key_for_decrypting(value.subject_id, value.key_id)
        key = memo[slot]
        if key is None:
            return ERASED
        try:
            return open_sealed(
                key, value.ciphertext, self._field_context(value.subject_id, value.key_id)
            ).decode()
        except (TamperedError, UnicodeDecodeError):
            return TAMPERED

    # -- erasure and rotation ------------------------------------------------------------------

    def erase(self, subject_id: UUID, *, at: datetime) -> bool:
        """Destroy the subject's data key; True if there was one to destroy."""
        p = self._p
        with self._lock:
            self._encrypting.pop(subject_id, None)
        with self._cursor() as c:
            c.execute(
                f"UPDATE {self._table} SET wrapped = NULL, master_key_id = NULL, "
                f"erased_at = {p} WHERE subject_id = {p} AND wrapped IS NOT NULL RETURNING key_id",
                (at.isoformat(), str(subject_id)),
            )
            destroyed = c.fetchone() is not None
            if not destroyed:
                # Erase a subject we never held data for, so nothing can be written for them later.
                c.execute(
                    f"INSERT INTO {self._table} (subject_id, key_id, created_at, erased_at) "
                    f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (subject_id) DO NOTHING",
                    (str(subject_id), "none", at.isoformat(), at.isoformat()),
                )
        return destroyed

    def erase_many(self, subject_ids: list[UUID], *, at: datetime) -> None:
        """Destroy the data keys of many subjects in one transaction (a destroyed one stays so).

        For the retention run, whose subjects all hold keys; a subject without a row is left
        as it is (`erase` records one).
        """
        p = self._p
        with self._lock:
            for subject_id in subject_ids:
                self._encrypting.pop(subject_id, None)
        if not subject_ids:
            return
        with self._cursor() as c:  # one statement, many rows: one round trip per batch
            c.executemany(
                f"UPDATE {self._table} SET wrapped = NULL, master_key_id = NULL, "
                f"erased_at = {p} WHERE subject_id = {p} AND wrapped IS NOT NULL",
                [(at.isoformat(), str(subject_id)) for subject_id in subject_ids],
            )

    def is_erased(self, subject_id: UUID) -> bool:
        row = self._select(subject_id)
        return row is not None and row["wrapped"] is None

    def rotate(self, progress: Callable[[int], None] | None = None) -> int:
        """Re-wrap every data key not yet under the current master key; resumable."""
        current_id, current = self.keyring.current()
        done = 0
        p = self._p
        while True:
            with self._cursor() as c:
                c.execute(
                    f"SELECT subject_id, key_id, wrapped, master_key_id FROM {self._table} "
                    f"WHERE wrapped IS NOT NULL AND master_key_id <> {p} LIMIT 500",
                    (current_id,),
                )
                rows = c.fetchall()
                for row in rows:
                    data_key = self._unwrap(row)
                    rewrapped = seal(
                        current, data_key, self._context(row["subject_id"], row["key_id"])
                    )
                    c.execute(
                        f"UPDATE {self._table} SET wrapped = {p}, master_key_id = {p} "
                        f"WHERE subject_id = {p} AND master_key_id = {p}",
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


class PersonalAsCiphertext(Transcoding):
    """Stores a `Personal` as {subject, key id, AES-256-GCM ciphertext}; never as plaintext."""

    type = Personal
    name = "personal"

    def __init__(self, keys: SubjectKeyStore) -> None:
        self.keys = keys

    def encode(self, obj: Personal) -> dict[str, str]:
        sealed = self.keys.seal(obj)
        if sealed.ciphertext is None or sealed.key_id is None:
            raise RuntimeError("a personal value could not be sealed")
        return {
            "s": str(sealed.subject_id),
            "k": sealed.key_id,
            "c": base64.b64encode(sealed.ciphertext).decode(),
        }

    def decode(self, data: dict[str, str]) -> Personal:
        try:
            ciphertext = base64.b64decode(data["c"], validate=True)
        except ValueError:
            ciphertext = b""
        return Personal(subject_id=UUID(data["s"]), key_id=data["k"], ciphertext=ciphertext)
