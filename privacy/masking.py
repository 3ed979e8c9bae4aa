"""Masked display of personal values, for roles that must recognise a customer but not contact them.

Every masker takes any string (empty, short, Chinese) and never raises; what it keeps is never
enough to contact the person.
"""

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

Visibility: TypeAlias = Literal["full", "masked", "none"]

MASKED_TEXT: Final = "[masked]"
MAX_PHONE_DIGITS_SHOWN: Final = 4


def mask_phone(value: str) -> str:
    """Only the last digits: at most 4, and never more than half of them; separators stay.

    A number without digits is masked the same way by characters.
    """
    units = [i for i, character in enumerate(value) if character.isdecimal()]
    if not units:
        units = list(range(len(value)))
    shown = set(units[len(units) - min(MAX_PHONE_DIGITS_SHOWN, len(units) // 2) :])
    hidden = set(units) - shown
    return "".join(
        "*" if i in hidden or (i not in shown and character.isalnum()) else character
        for i, character in enumerate(value)
    )


def mask_name(value: str) -> str:
    """The first character, then one * per remaining character; a single character is *."""
    if len(value) <= 1:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 1)


def mask_email(value: str) -> str:
    """The local part's first character, *** and the domain; no @ is masked as free text."""
    local, at, domain = value.rpartition("@")
    if not at:
        return mask_text(value)
    return local[:1] + "***@" + domain


def mask_address(value: str) -> str:
    """The first 6 characters (the city and district, typically), then ***."""
    if len(value) <= 6:
        return "***"
    return value[:6] + "***"


def mask_text(value: str) -> str:
    """Free text may say anything, so none of it is shown."""
    return MASKED_TEXT


MASKERS: Final[Mapping[str, Callable[[str], str]]] = MappingProxyType(
    {
        "name": mask_name,
        "phone": mask_phone,
        "email": mask_email,
        "address": mask_address,
        "text": mask_text,
    }
)
