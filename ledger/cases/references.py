"""Human-readable case references (`CMP-2026-000123`, `INC-2026-000001`) and the ids they give.

A case's id follows from its reference, so either finds it without an index, and the event store
itself refuses a reference used twice (the id is taken).
"""

import re
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5


@dataclass(frozen=True)
class References:
    """The references of one kind of case: `PREFIX-YEAR-NUMBER`, numbered per year."""

    prefix: str  # "CMP"
    collection: str  # "complaints": the path the ids are derived from

    def format(self, year: int, number: int) -> str:
        return f"{self.prefix}-{year}-{number:06d}"

    def id_for(self, reference: str) -> UUID:
        """The id of the case with `reference`."""
        return uuid5(NAMESPACE_URL, f"/{self.collection}/{reference}")

    def is_reference(self, text: str) -> bool:
        return re.fullmatch(rf"{self.prefix}-\d{{4}}-\d{{6,12}}", text) is not None

    def id_of(self, id_or_reference: str) -> UUID | None:
        """The id named by a reference or a UUID; None when the text is neither."""
        if self.is_reference(id_or_reference):
            return self.id_for(id_or_reference)
        try:
            return UUID(id_or_reference)
        except ValueError:
            return None


COMPLAINT_REFERENCES = References("CMP", "complaints")
INCIDENT_REFERENCES = References("INC", "incidents")
