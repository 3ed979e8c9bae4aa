"""This process's copies of data keys: for encrypting, and unwrapped for decrypting.

Both are bounded and dropped for a subject the moment this process erases them. The unwrapped
copy remembers the exact stored row it came from: a reveal still reads the row every time (so an
erasure or a rotation shows at once) and skips only the unwrapping when the row is unchanged.
"""

import threading
from collections import OrderedDict
from typing import NamedTuple
from uuid import UUID

from privacy.keys.wrapping import FieldOpener

ENCRYPTING_KEYS_CACHED = 10_000
UNWRAPPED_KEYS_CACHED = 10_000


class Unwrapped(NamedTuple):
    """A data key unwrapped from a stored row, with what opens the fields sealed under it."""

    stored: tuple[str, str, str]  # the row it came from: key id, wrapped key, master key id
    key: bytes
    subject_id: UUID
    opener: FieldOpener


class KeyCache:
    """Recently used data keys, so that a busy customer costs no unwrapping or query per write."""

    def __init__(self) -> None:
        self._encrypting: OrderedDict[UUID, tuple[str, bytes]] = OrderedDict()
        self._unwrapped: OrderedDict[str, Unwrapped] = OrderedDict()
        self._lock = threading.Lock()

    def encrypting(self, subject_id: UUID) -> tuple[str, bytes] | None:
        """The key id and key this process encrypts the subject's values with, if cached."""
        with self._lock:
            cached = self._encrypting.get(subject_id)
            if cached:
                self._encrypting.move_to_end(subject_id)
                return cached
        return None

    def remember_encrypting(self, subject_id: UUID, found: tuple[str, bytes]) -> tuple[str, bytes]:
        """Keep the subject's key for encrypting; returns it."""
        with self._lock:
            self._encrypting[subject_id] = found
            if len(self._encrypting) > ENCRYPTING_KEYS_CACHED:
                self._encrypting.popitem(last=False)
        return found

    def unwrapped(self, subject: str) -> Unwrapped | None:
        """The subject's unwrapped key, if cached (compare its `stored` row before use)."""
        return self._unwrapped.get(subject)

    def remember_unwrapped(self, subject: str, found: Unwrapped) -> None:
        """Keep the subject's unwrapped key."""
        with self._lock:
            self._unwrapped[subject] = found
            self._unwrapped.move_to_end(subject)
            if len(self._unwrapped) > UNWRAPPED_KEYS_CACHED:
                self._unwrapped.popitem(last=False)

    def forget_unwrapped(self, subject: str) -> None:
        """Drop the subject's unwrapped key (its row was destroyed)."""
        with self._lock:
            self._unwrapped.pop(subject, None)

    def forget(self, subject_ids: list[UUID]) -> None:
        """Drop every copy of these subjects' keys (they are being, or were, erased)."""
        with self._lock:
            for subject_id in subject_ids:
                self._encrypting.pop(subject_id, None)
                self._unwrapped.pop(str(subject_id), None)
