"""The deployment's vocabularies (departments, categories, tiers, incident roles) in the document.

The request schemas bound these fields by shape only (they are set by the policy file, not in
code); the ledger refuses a value outside the policy's list as invalid input (422). So that
every input the document allows is one the service takes, the served document lists the
policy's values as each field's `enum` once the blueprints are registered.
"""

from collections.abc import Callable
from typing import Any

from ledger.policy.service_policy import Policy

# (request schema, field) -> the policy's values for it; a list's items, or a map's keys.
_FIELDS: dict[tuple[str, str], Callable[[Policy], tuple[str, ...]]] = {
    ("RegisterComplaintIn", "department"): lambda p: p.departments,
    ("ClassifyIn", "category"): lambda p: p.categories,
    ("ClassifyIn", "customer_tier"): lambda p: tuple(p.tier_first_response),
    ("RequestHandoffIn", "to_department"): lambda p: p.departments,
    ("AssessIn", "departments"): lambda p: p.departments,
    ("AssignRoleIn", "role"): lambda p: p.incidents.roles,
    ("ActivateIn", "roles"): lambda p: p.incidents.roles,
    ("IssueTokenIn", "department"): lambda p: p.departments,
    ("WebhookIn", "departments"): lambda p: p.departments,
}


def _restrict(field: dict[str, Any], values: tuple[str, ...]) -> None:
    if field.get("type") == "array":
        field["items"] = {"type": "string", "enum": list(values)}
    elif field.get("type") == "object":
        # A map keyed by these values: each a declared property, and no other.
        value = field.pop("additionalProperties")
        field["properties"] = {name: value for name in values}
        field["additionalProperties"] = False
    else:
        field["enum"] = [*values, None] if field.get("nullable") else list(values)
        for shape in ("pattern", "minLength", "maxLength"):
            field.pop(shape, None)


def declare_vocabularies(schemas: dict[str, dict[str, Any]], policy: Policy) -> None:
    """Give each vocabulary field of the registered `schemas` the policy's values."""
    for (schema, name), values in _FIELDS.items():
        field = schemas.get(schema, {}).get("properties", {}).get(name)
        if field is None:
            raise LookupError(f"{schema}.{name}: no such field in the document")
        _restrict(field, values(policy))
