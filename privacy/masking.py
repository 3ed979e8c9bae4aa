"""Masked display of personal values, for roles that must recognise a customer but not contact them.

Every masker takes any string (empty, short, Chinese) and never raises; what it keeps is never
enough to contact the person.
"""

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

Visibility: TypeAlias = Literal["full", "masked", "none"]

MASKED_TEXT: Final = "[masked]"


def mask_phone(value: str) -> str:
    """First 3 and last 4 characters with 8 or more digits, otherwise only the last 2."""
    digits = sum(1 for character in value if character.isdecimal())
    if digits >= 8:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) <= 2:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]


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
