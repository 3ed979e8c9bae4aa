"""Personal values as the event store keeps them: sealed under their subject's data key."""

import base64
from uuid import UUID

from eventsourcing.persistence import Transcoding

from privacy.fields import Personal
from privacy.keys.keystore import SubjectKeyStore


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
