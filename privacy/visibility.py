"""Which roles see personal data in full, masked, or not at all.

One table, so that access control (which decides what each role may *do*) and masking (what each
role may *see*) can be read side by side. Roles that work with the customer see them in full;
roles that must recognise a customer but not contact them see masked values.
"""

from collections.abc import Mapping
from typing import Final

from privacy.masking import Visibility

PERSONAL_DATA_VISIBILITY: Final[Mapping[str, Visibility]] = {
    "agent": "full",
    "supervisor": "full",
    "manager": "full",
    "executive": "masked",
    "department_staff": "masked",
    "incident_manager": "masked",
    "compliance_officer": "masked",
    "privacy_officer": "full",
    "administrator": "none",
}


def visibility_for(role: str) -> Visibility:
    """Unknown roles see nothing."""
    return PERSONAL_DATA_VISIBILITY.get(role, "none")
