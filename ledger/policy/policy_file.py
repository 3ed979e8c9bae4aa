"""The service policy file (TOML): read, checked setting by setting, and turned into a `Policy`.

Every refusal names the setting as a path in the file (`complaints.deadlines.urgent.resolution`),
so an operator can find it.
"""

import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from ledger.errors import PolicyError
from ledger.policy.calendar import calendar_from_mapping
from ledger.policy.service_policy import (
    IncidentPolicy,
    Policy,
    PriorityTargets,
    parse_duration,
)
from ledger.values import PRIORITIES


def load_policy(path: Path | None) -> Policy:
    """The default policy, overridden by the TOML file at `path` if given."""
    if path is None:
        return Policy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PolicyError(f"policy file {path} is not valid TOML: {error}") from None
    return policy_from_mapping(data)


def _names(value: Any, *, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where}: expected a non-empty list of names")
    if any(not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", v) for v in value):
        raise PolicyError(f"{where}: names are lower-case letters, digits and underscores")
    return tuple(value)


def _table(data: Mapping[str, Any], key: str, *, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}{key}: expected a table")
    return value


def policy_from_mapping(data: Mapping[str, Any]) -> Policy:
    """Build a policy from parsed TOML, naming the first invalid setting."""
    known = {"complaints", "handoffs", "incidents", "calendar", "sla"}
    if unknown := set(data) - known:
        raise PolicyError(f"unknown policy section(s): {', '.join(sorted(unknown))}")
    policy = Policy()
    complaints = _table(data, "complaints", where="")
    allowed = {
        "deadlines",
        "tiers",
        "categories",
        "departments",
        "intake_department",
        "reopen_at_or_below",
        "feedback_due",
    }
    if unknown := set(complaints) - allowed:
        raise PolicyError(f"complaints: unknown setting(s): {', '.join(sorted(unknown))}")

    priorities = dict(policy.priorities)
    for name, targets in _table(complaints, "deadlines", where="complaints.").items():
        where = f"complaints.deadlines.{name}"
        if name not in PRIORITIES:
            raise PolicyError(f"{where}: unknown priority (expected one of {PRIORITIES})")
        if not isinstance(targets, Mapping) or set(targets) - {
            "first_response",
            "resolution",
            "written_reply",
        }:
            raise PolicyError(f"{where}: expected first_response, resolution, written_reply")
        current = priorities[name]
        priorities[name] = PriorityTargets(
            first_response=parse_duration(
                targets["first_response"], where=f"{where}.first_response"
            )
            if "first_response" in targets
            else current.first_response,
            resolution=parse_duration(targets["resolution"], where=f"{where}.resolution")
            if "resolution" in targets
            else current.resolution,
            written_reply=parse_duration(targets["written_reply"], where=f"{where}.written_reply")
            if "written_reply" in targets
            else current.written_reply,
        )

    tiers: dict[str, timedelta | None] = dict(policy.tier_first_response)
    for name, settings in _table(complaints, "tiers", where="complaints.").items():
        where = f"complaints.tiers.{name}"
        if not isinstance(settings, Mapping) or set(settings) - {"first_response"}:
            raise PolicyError(f"{where}: expected only first_response")
        _names([name], where=where)
        value = settings.get("first_response")
        tiers[name] = (
            parse_duration(value, where=f"{where}.first_response") if value is not None else None
        )

    changes: dict[str, Any] = {"priorities": priorities, "tier_first_response": tiers}
    if "categories" in complaints:
        changes["categories"] = _names(complaints["categories"], where="complaints.categories")
    if "departments" in complaints:
        changes["departments"] = _names(complaints["departments"], where="complaints.departments")
    if "intake_department" in complaints:
        changes["intake_department"] = str(complaints["intake_department"])
    if "reopen_at_or_below" in complaints:
        threshold = complaints["reopen_at_or_below"]
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            raise PolicyError("complaints.reopen_at_or_below: expected an integer")
        changes["reopen_at_or_below"] = threshold
    if "feedback_due" in complaints:
        changes["feedback_due"] = parse_duration(
            complaints["feedback_due"], where="complaints.feedback_due"
        )

    handoffs = _table(data, "handoffs", where="")
    if unknown := set(handoffs) - {"accept", "complete"}:
        raise PolicyError(f"handoffs: unknown setting(s): {', '.join(sorted(unknown))}")
    if "accept" in handoffs:
        changes["handoff_accept"] = parse_duration(handoffs["accept"], where="handoffs.accept")
    if "complete" in handoffs:
        changes["handoff_complete"] = parse_duration(
            handoffs["complete"], where="handoffs.complete"
        )
    if "calendar" in data:
        changes["calendar"] = calendar_from_mapping(_table(data, "calendar", where=""))
    sla = _table(data, "sla", where="")
    if unknown := set(sla) - {"pause_while_awaiting_customer", "warn_at_percent"}:
        raise PolicyError(f"sla: unknown setting(s): {', '.join(sorted(unknown))}")
    if "pause_while_awaiting_customer" in sla:
        if not isinstance(sla["pause_while_awaiting_customer"], bool):
            raise PolicyError("sla.pause_while_awaiting_customer: expected true or false")
        changes["pause_while_awaiting_customer"] = sla["pause_while_awaiting_customer"]
    if "warn_at_percent" in sla:
        percent = sla["warn_at_percent"]
        if not isinstance(percent, int) or isinstance(percent, bool) or not 1 <= percent <= 99:
            raise PolicyError("sla.warn_at_percent: expected a whole number from 1 to 99")
        changes["warn_at_fraction"] = percent / 100
    changes["incidents"] = _incident_policy(_table(data, "incidents", where=""))
    return replace(policy, **changes)


def _incident_policy(settings: Mapping[str, Any]) -> IncidentPolicy:
    allowed = {
        "assess_within",
        "activate_within",
        "review_plan_working_days",
        "verify_within",
        "roles",
    }
    if unknown := set(settings) - allowed:
        raise PolicyError(f"incidents: unknown setting(s): {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    for name in ("assess_within", "activate_within", "verify_within"):
        if name in settings:
            changes[name] = parse_duration(settings[name], where=f"incidents.{name}")
    if "review_plan_working_days" in settings:
        days = settings["review_plan_working_days"]
        if not isinstance(days, int) or isinstance(days, bool):
            raise PolicyError("incidents.review_plan_working_days: expected an integer")
        changes["review_plan_working_days"] = days
    if "roles" in settings:
        changes["roles"] = _names(settings["roles"], where="incidents.roles")
    return replace(IncidentPolicy(), **changes)
