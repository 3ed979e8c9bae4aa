"""Per-subject data keys, wrapped by the master key, and crypto-shredding.

    data key (AES-256, one per data subject)  --sealed by-->  master key (never in the database)

Erasing a subject destroys its wrapped data key: every ciphertext of that person, in every
event and every backup of the events, becomes unreadable, while the events stay byte-for-byte
unchanged. Rotating the master key re-wraps data keys and touches no event.

Reading key rows (erasure-aware, with events) is in `privacy.keys.key_reading`, their SQL in
`privacy.keys.key_table`, wrapping in `privacy.keys.wrapping`, this process's copies of keys in
`privacy.keys.key_cache`.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from privacy.crypto import TamperedError, new_key, open_sealed, seal
from privacy.fields import ERASED, TAMPERED, Personal
from privacy.keys.key_reading import KeyMemo, KeyReads, SubjectErasedError
from privacy.keys.wrapping import field_context, unwrap, wrap

__all__ = ["KeyMemo", "SubjectErasedError", "SubjectKeyStore"]

_NOT_READ: Any = object()


class SubjectKeyStore(KeyReads):
    """Data keys of data subjects: created, used to seal and reveal, erased and rotated."""

    # -- keys for encrypting and decrypting ----------------------------------------------------

    def key_for_encrypting(self, subject_id: UUID) -> tuple[str, bytes]:
        cached = self._cache.encrypting(subject_id)
        if cached:
            return cached
        row = self._select(subject_id)
        if row is None:
            created = self._create(subject_id)
            if created is not None:
                return self._cache.remember_encrypting(subject_id, created)
            row = self._select(subject_id)  # another writer created it first: use theirs
        if row is None or row["wrapped"] is None:
            raise SubjectErasedError("the data subject was erased")
        return self._cache.remember_encrypting(
            subject_id, (row["key_id"], unwrap(self.keyring, row))
        )

    def prepare_new_subject(self, subject_id: UUID) -> None:
        """Create the data key of a subject id just minted, in one statement instead of three.

        For an id that might exist already use `key_for_encrypting`, which looks first.
        """
        created = self._create(subject_id)
        if created is not None:
            self._cache.remember_encrypting(subject_id, created)

    def prepare_new_subjects(self, subject_ids: list[UUID]) -> None:
        """`prepare_new_subject` for many ids just minted, in one transaction (bulk loads)."""
        master_id, master = self.keyring.current()
        made = [(s, uuid4().hex[:16], new_key()) for s in subject_ids]
        now = self.now().isoformat()
        self._table.insert_many(
            [
                (str(s), key_id, wrap(master, key, str(s), key_id), master_id, now)
                for s, key_id, key in made
            ]
        )
        for s, key_id, key in made:
            self._cache.remember_encrypting(s, (key_id, key))

    def _create(self, subject_id: UUID) -> tuple[str, bytes] | None:
        """Store a new data key for the subject; None if the subject already has a row."""
        key_id = uuid4().hex[:16]
        master_id, master = self.keyring.current()
        data_key = new_key()
        wrapped = wrap(master, data_key, str(subject_id), key_id)
        inserted = self._table.insert(
            (str(subject_id), key_id, wrapped, master_id, self.now().isoformat())
        )
        return (key_id, data_key) if inserted else None

    def key_for_decrypting(self, subject_id: UUID, key_id: str) -> bytes | None:
        """The data key, or None when it was destroyed (the subject was erased)."""
        found = self._read_key(subject_id, key_id)
        return None if found is None else found.key

    # -- personal values -------------------------------------------------------------------------

    def seal(self, value: Personal) -> Personal:
        if value.ciphertext is not None:
            return value
        key_id, key = self.key_for_encrypting(value.subject_id)
        plaintext = (value.plaintext or "").encode()
        return Personal(
            subject_id=value.subject_id,
            key_id=key_id,
            ciphertext=seal(key, plaintext, field_context(value.subject_id, key_id)),
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
        self._cache.forget([subject_id])
        # A subject we never held data for is erased too, so nothing can be written for them later.
        destroyed = self._table.destroy(str(subject_id), at.isoformat())
        if self.blind_index is not None:  # their contacts no longer find them
            self.blind_index.forget([subject_id])
        return destroyed

    def erase_many(self, subject_ids: list[UUID], *, at: datetime) -> None:
        """Destroy the data keys of many subjects in one transaction (a destroyed one stays so).

        For the retention run, whose subjects all hold keys; a subject without a row is left
        as it is (`erase` records one).
        """
        self._cache.forget(subject_ids)
        if not subject_ids:
            return
        self._table.destroy_many([str(s) for s in subject_ids], at.isoformat())
        if self.blind_index is not None:
            self.blind_index.forget(subject_ids)

    def is_erased(self, subject_id: UUID) -> bool:
        row = self._select(subject_id)
        return row is not None and row["wrapped"] is None

    def rotate(self, progress: Callable[[int], None] | None = None) -> int:
        """Re-wrap every data key not yet under the current master key; resumable."""
        current_id, current = self.keyring.current()

        def rewrap(row: Any) -> str:
            return wrap(current, unwrap(self.keyring, row), row["subject_id"], row["key_id"])

        done = 0
        while True:
            batch = self._table.rewrap_batch(current_id, rewrap)
            done += batch
            if progress:
                progress(done)
            if not batch:
                return done

    def master_key_ids_in_use(self) -> set[str]:
        return self._table.master_key_ids_in_use()
