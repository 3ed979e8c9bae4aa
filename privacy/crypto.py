"""AES-256-GCM sealing, the one cipher used for personal fields and for wrapping data keys."""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
KEY_BYTES = 32


class TamperedError(Exception):
    """A ciphertext failed authentication: it was altered, or sealed for something else."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    """Encrypt and authenticate; `context` (not secret) binds the result to its owner."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def open_sealed(key: bytes | AESGCM, sealed: bytes, context: bytes) -> bytes:
    """Decrypt and authenticate; `key` may be a cipher already made from it, to reuse."""
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except (InvalidTag, ValueError):
        raise TamperedError("ciphertext failed authentication") from None
