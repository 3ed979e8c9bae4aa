"""Wrapping data keys under the master key, and what opens the fields sealed under one.

Each sealed thing is bound to its place by its context: a wrapped data key to its subject and
key id, a personal field to its subject and the key id it was sealed under.
"""

import base64
from typing import Any, NamedTuple
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from privacy.crypto import open_sealed, seal
from privacy.keys.master_key import MasterKeyring


class FieldOpener(NamedTuple):
    """What opens the fields sealed under one data key: its cipher and their context."""

    cipher: AESGCM
    context: bytes


def key_context(subject_id: str, key_id: str) -> bytes:
    """The context a data key is wrapped under."""
    return f"data-key|{subject_id}|{key_id}".encode()


def field_context(subject_id: UUID, key_id: str) -> bytes:
    """The context a personal field is sealed under."""
    return f"field|{subject_id}|{key_id}".encode()


def wrap(master: bytes, data_key: bytes, subject_id: str, key_id: str) -> str:
    """The data key sealed by the master key, as stored (base64)."""
    return base64.b64encode(seal(master, data_key, key_context(subject_id, key_id))).decode()


def unwrap(keyring: MasterKeyring, row: Any) -> bytes:
    """The data key of a stored key row; `TamperedError` if it does not open."""
    master = keyring.get(row["master_key_id"])
    return open_sealed(
        master,
        base64.b64decode(row["wrapped"]),
        key_context(row["subject_id"], row["key_id"]),
    )


def field_opener(subject_id: UUID, key_id: str, key: bytes) -> FieldOpener:
    """What opens the fields sealed under `key`."""
    return FieldOpener(AESGCM(key), field_context(subject_id, key_id))
