"""`Personal`: the marker type of every personal field, and what a sealed one reads as.

An event attribute typed `Personal` is personal data: the ledger's transcoding stores it
encrypted with its data subject's key. A value read back from the store stays sealed until it is
revealed through the key store, so plaintext exists only where someone asked to see it.
"""

from dataclasses import dataclass, field
from uuid import UUID

ERASED = "[erased]"
TAMPERED = "[tampered]"


@dataclass(frozen=True)
class Personal:
    """A personal value of one data subject: fresh (plaintext) or sealed (ciphertext)."""

    subject_id: UUID
    key_id: str | None = None
    ciphertext: bytes | None = field(default=None, repr=False)
    plaintext: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, subject_id: UUID, text: str) -> "Personal":
        return cls(subject_id=subject_id, plaintext=text)

    @classmethod
    def maybe(cls, subject_id: UUID, text: str | None) -> "Personal | None":
        return None if text is None else cls.of(subject_id, text)

    def is_blank(self) -> bool:
        """Only a fresh value can be blank; a sealed one was checked when it was written."""
        return self.plaintext is not None and not self.plaintext.strip()

    def __str__(self) -> str:
        # Formatting a personal value by accident must not leak it into a log or message.
        return "[personal]"
