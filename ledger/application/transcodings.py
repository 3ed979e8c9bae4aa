"""How the ledger's value objects are written into stored events.

Transcoding names are stored with every event: never rename one.
"""

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Transcoding

from ledger.values import Actor, Customer
from privacy.keys.keystore import SubjectKeyStore
from privacy.keys.transcoding import PersonalAsCiphertext


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, Any]:
        return {"staff_id": obj.staff_id, "role": obj.role, "department": obj.department}

    def decode(self, data: dict[str, Any]) -> Actor:
        return Actor(staff_id=data["staff_id"], role=data["role"], department=data["department"])


class CustomerAsDict(Transcoding):
    # Its fields are `Personal`, so the privacy transcoding seals each of them in turn.
    type = Customer
    name = "customer"

    def encode(self, obj: Customer) -> dict[str, Any]:
        return {
            "subject_id": str(obj.subject_id),
            "name": obj.name,
            "phone": obj.phone,
            "email": obj.email,
            "address": obj.address,
            "region": obj.region,
        }

    def decode(self, data: dict[str, Any]) -> Customer:
        return Customer(
            subject_id=UUID(data["subject_id"]),
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            address=data["address"],
            region=data.get("region"),
        )


def ledger_transcodings(keys: SubjectKeyStore) -> tuple[Transcoding, ...]:
    """Every transcoding the ledger's events need; personal values go through `keys`."""
    return (ActorAsDict(), CustomerAsDict(), PersonalAsCiphertext(keys))
