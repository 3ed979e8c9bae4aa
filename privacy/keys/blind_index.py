"""A keyed blind index of contact values: find a person by exact phone number or e-mail.

    digest = HMAC-SHA256( HKDF-SHA256(master key, info="complaint-ledger blind index v1"),
                          kind || 0x00 || normalised value )

stored beside the data keys (`ledger_blind_index`), never the value itself. Without the master
key a digest says nothing: no dictionary of phone numbers can be run against the table. A
lookup computes the digest under every master key in the ring, so a rotation does not hide the
people indexed before it. Erasing a person deletes their rows, and a lookup only ever returns
people whose data key still exists.

A person's name is indexed beside their contacts, and a new record joins an existing person
only when a contact and the name both match: a phone shared by a household, or mistyped,
otherwise made two people one (one's access export held the other's data, one's erasure
destroyed the other's records). The privacy officers' lookup is by contact alone.
"""

import hashlib
import hmac
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Final
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.postgres import PostgresDatastore

from privacy.db.single_reads import reading_cursor, select_rows
from privacy.keys.master_key import MasterKeyring

KINDS: Final = ("phone", "email")  # what a privacy officer looks a person up by
_CONTACTS: Final = KINDS  # in the order a new record's contacts are matched
_INFO: Final = b"complaint-ledger blind index v1"
_MIN_PHONE_DIGITS: Final = 5


def normalise(kind: str, value: str) -> str | None:
    """The form two spellings of one contact share; None when it cannot be indexed."""
    text = unicodedata.normalize("NFKC", value).strip()
    if kind == "name":
        return " ".join(text.casefold().split()) or None
    if kind == "email":
        text = text.lower()
        local, at, domain = text.rpartition("@")
        return text if at and local and domain and not any(c.isspace() for c in text) else None
    if kind != "phone":
        raise ValueError(f"unknown kind {kind!r}")
    digits = "".join(c for c in text if c.isdecimal())
    if text.startswith("00"):
        digits = digits[2:]
    # A mainland mobile number is written with or without the country code: one person either way.
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    return digits if len(digits) >= _MIN_PHONE_DIGITS else None


def index_key(master: bytes) -> bytes:
    """The blind index key derived from one master key (never stored)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(master)


class BlindIndex:
    """The index rows of one schema, keyed by the master keyring."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        keyring: MasterKeyring,
        keys_table: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._datastore = datastore
        self._now = now
        self._keyring = keyring
        self._keys_table = keys_table
        self.name = f'"{datastore.schema}".ledger_blind_index'
        self._derived = {key_id: index_key(key) for key_id, key in keyring.keys.items()}

    def create(self) -> None:
        with self._datastore.transaction(commit=True) as c:
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self.name} (kind TEXT NOT NULL, "
                "digest TEXT NOT NULL, subject_id TEXT NOT NULL, master_key_id TEXT NOT NULL, "
                "created_at TEXT NOT NULL, PRIMARY KEY (kind, digest, subject_id))"
            )

    def _digest(self, key: bytes, kind: str, normalised: str) -> str:
        return hmac.new(key, f"{kind}\0{normalised}".encode(), hashlib.sha256).hexdigest()

    def add(self, subject_id: UUID, values: Iterable[tuple[str, str | None]]) -> None:
        """Index `(kind, value)` pairs of a person under the current master key."""
        key_id, _ = self._keyring.current()
        now = self._now().isoformat()
        rows = [
            (kind, self._digest(self._derived[key_id], kind, normal), str(subject_id), key_id, now)
            for kind, value in values
            if value is not None and (normal := normalise(kind, value)) is not None
        ]
        if not rows:
            return
        with self._datastore.transaction(commit=True) as c:
            c.executemany(
                f"INSERT INTO {self.name} (kind, digest, subject_id, master_key_id, created_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                rows,
            )

    def find(self, kind: str, value: str) -> list[UUID]:
        """The people (not erased) indexed with exactly this contact, oldest entry first."""
        normal = normalise(kind, value)
        if normal is None:
            return []
        digests = [self._digest(key, kind, normal) for key in self._derived.values()]
        with reading_cursor(self._datastore) as c:
            c.execute(
                f"SELECT i.subject_id FROM {self.name} i JOIN {self._keys_table} k "
                "ON k.subject_id = i.subject_id AND k.wrapped IS NOT NULL "
                "WHERE i.kind = %s AND i.digest = ANY(%s) ORDER BY i.created_at, i.subject_id",
                (kind, digests),
            )
            found = [UUID(row["subject_id"]) for row in c.fetchall()]
        return list(dict.fromkeys(found))

    def match(self, *, name: str, phone: str | None, email: str | None) -> UUID | None:
        """The one person a new record's name and contacts name (see `lookup`)."""
        return self.lookup(name=name, phone=phone, email=email)[0]

    def lookup(
        self, *, name: str, phone: str | None, email: str | None
    ) -> tuple[UUID | None, list[tuple[str, str]]]:
        """The person a new record names: the one indexed longest with its phone, else its
        e-mail, who is also indexed with its name; and the values `add` still has to index for
        them (all of them when none is found), in one statement: a returning customer's record
        writes no index row that is already there."""
        contacts = self._wanted((("phone", phone), ("email", email)))
        named = self._wanted((("name", name),))
        if not contacts or not named:
            return None, []  # nothing to find them by, nor to index
        name_digests = [self._digest(k, "name", named[0][2]) for k in self._derived.values()]
        clauses: list[str] = []
        params: list[object] = [name_digests]
        for kind, _, normal in contacts:
            clauses.append("(i.kind = %s AND i.digest = ANY(%s))")
            params.extend([kind, [self._digest(k, kind, normal) for k in self._derived.values()]])
        rows = select_rows(
            self._datastore,
            f"SELECT i.kind, i.digest, i.subject_id, n.digest AS name_digest FROM {self.name} i "
            f"JOIN {self.name} n ON n.kind = 'name' AND n.subject_id = i.subject_id "
            "AND n.digest = ANY(%s) "
            f"JOIN {self._keys_table} k ON k.subject_id = i.subject_id AND k.wrapped IS NOT NULL "
            f"WHERE {' OR '.join(clauses)} ORDER BY i.created_at, i.subject_id",
            tuple(params),
        )
        wanted = [*contacts, *named]
        found = next(
            (r["subject_id"] for kind in _CONTACTS for r in rows if r["kind"] == kind), None
        )
        if found is None:
            return None, [(kind, value) for kind, value, _ in wanted]
        key_id, _ = self._keyring.current()
        theirs = [r for r in rows if r["subject_id"] == found]
        indexed = {(r["kind"], r["digest"]) for r in theirs}
        indexed |= {("name", r["name_digest"]) for r in theirs}
        missing = [
            (kind, value)
            for kind, value, normal in wanted
            if (kind, self._digest(self._derived[key_id], kind, normal)) not in indexed
        ]
        return UUID(found), missing

    @staticmethod
    def _wanted(values: Iterable[tuple[str, str | None]]) -> list[tuple[str, str, str]]:
        """(kind, value, normalised) of the values that can be indexed."""
        return [
            (kind, value, normal)
            for kind, value in values
            if value is not None and (normal := normalise(kind, value)) is not None
        ]

    def forget(self, subject_ids: Iterable[UUID]) -> None:
        """Delete every index row of these people (their erasure)."""
        ids = [str(s) for s in subject_ids]
        if ids:
            with self._datastore.transaction(commit=True) as c:
                c.execute(f"DELETE FROM {self.name} WHERE subject_id = ANY(%s)", (ids,))
