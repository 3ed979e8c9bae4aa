"""The chain hash of one stored event.

    chain_hash = SHA-256( uuid(16 bytes)
                        || version (8 bytes, big-endian, signed)
                        || len(topic) (4 bytes, big-endian) || topic (UTF-8)
                        || len(state) (4 bytes, big-endian) || state (the stored bytes)
                        || chain hash of version - 1 in the stream (32 bytes; zeros when
                           there is none, as for version 1) )

The state is hashed exactly as stored (ciphertexts of personal data included), so erasing a
person by destroying their key never changes a chain. PostgreSQL computes these bytes in a
trigger when an event is stored (`ledger.store.recorders`); this module recomputes them to
verify a chain, and the two must never diverge.
"""

import hashlib
import struct
from collections.abc import Callable

HASH_BYTES = 32
GENESIS = bytes(HASH_BYTES)
_VERSION = struct.Struct(">q")
_LENGTH = struct.Struct(">I")


def chain_hash(
    originator_id: bytes, version: int, topic: str, state: bytes, previous: bytes | None
) -> bytes:
    """The chain hash of an event whose stream id is given as its 16 bytes."""
    encoded_topic = topic.encode("utf-8")
    return hashlib.sha256(
        b"".join(
            (
                originator_id,
                _VERSION.pack(version),
                _LENGTH.pack(len(encoded_topic)),
                encoded_topic,
                _LENGTH.pack(len(state)),
                state,
                previous or GENESIS,
            )
        )
    ).digest()


def chain_hasher() -> Callable[[bytes, int, str, bytes, bytes], bytes]:
    """`chain_hash` for long runs: the same bytes, with each topic's encoding computed once."""
    sha256, pack_version, pack_length = hashlib.sha256, _VERSION.pack, _LENGTH.pack
    topics: dict[str, bytes] = {}

    def hash_event(
        originator_id: bytes, version: int, topic: str, state: bytes, previous: bytes
    ) -> bytes:
        encoded = topics.get(topic)
        if encoded is None:
            raw = topic.encode("utf-8")
            encoded = topics.setdefault(topic, pack_length(len(raw)) + raw)
        return sha256(
            originator_id
            + pack_version(version)
            + encoded
            + pack_length(len(state))
            + state
            + previous
        ).digest()

    return hash_event
