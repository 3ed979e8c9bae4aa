"""The service policy file (TOML): a marshmallow schema that turns it into a `Policy`.

The sections that build objects of their own (calendar, notifications, targets) are
`ledger.policy.policy_sections`.

Every refusal names the setting as a path in the file (`complaints.deadlines.urgent.resolution`),
so an operator can find it. Rules that join settings (the intake department is a department,
resolution comes after first response) are the `Policy`'s own, checked when it is built.
"""

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from marshmallow import fields, post_load, validate

from ledger.errors import PolicyError
from ledger.policy.config_schema import NAME, ConfigFile, Flag, Table, names
from ledger.policy.policy_sections import (
    TABLE_ERRORS,
    CalendarTable,
    NotificationsTable,
    ServiceTargetsTable,
    integer,
    service_time,
)
from ledger.policy.service_policy import IncidentPolicy, Policy, Targets
from ledger.values import INCIDENT_LEVELS, PRIORITIES


class _Targets(Table):
    first_response = service_time()
    resolution = service_time()
    written_reply = service_time()


class _Tier(Table):
    first_response = service_time()


class _ByName(Table):
    """Targets of one category or channel: each one given tightens the priority's."""

    first_response = service_time()
    resolution = service_time()
    written_reply = service_time()

    @post_load
    def build(self, data: dict[str, Any], **_: Any) -> Targets:
        return Targets(**data)


def _by_name(data_key: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=NAME),
        values=fields.Nested(_ByName),
        data_key=data_key,
        error_messages=TABLE_ERRORS,
    )


class _Complaints(Table):
    deadlines = fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(
                PRIORITIES, error="unknown priority (expected one of {choices})"
            )
        ),
        values=fields.Nested(_Targets),
        error_messages=TABLE_ERRORS,
    )
    tiers = fields.Dict(
        keys=fields.String(validate=NAME), values=fields.Nested(_Tier), error_messages=TABLE_ERRORS
    )
    categories = names()
    departments = names()
    intake_department = fields.String(validate=NAME, error_messages={"invalid": "expected a name"})
    reopen_at_or_below = integer()
    feedback_due = service_time()
    registration_within = service_time()
    category_targets = _by_name("by_category")
    channel_targets = _by_name("by_channel")


class _Handoffs(Table):
    handoff_accept = service_time(data_key="accept")
    handoff_complete = service_time(data_key="complete")


class _Sla(Table):
    pause_while_awaiting_customer = Flag()
    warn_at_percent = integer(
        "expected a whole number from 1 to 99",
        validate=validate.Range(1, 99, error="expected a whole number from 1 to 99"),
    )

    @post_load
    def as_fraction(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "warn_at_percent" in data:
            data["warn_at_fraction"] = data.pop("warn_at_percent") / 100
        return data


class _Incidents(Table):
    assess_within = service_time()
    activate_within = service_time()
    review_plan_working_days = integer()
    verify_within = service_time()
    roles = names()
    status_update_every = fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(
                INCIDENT_LEVELS, error="unknown level (expected one of {choices})"
            )
        ),
        values=service_time(),
        error_messages=TABLE_ERRORS,
    )


class PolicyFile(ConfigFile):
    """The whole file: `[complaints]`, `[handoffs]`, `[incidents]`, `[calendar]`, `[sla]`,
    `[notifications]`, `[targets]`."""

    what = "policy"
    refusal = PolicyError

    complaints = fields.Nested(_Complaints)
    handoffs = fields.Nested(_Handoffs)
    incidents = fields.Nested(_Incidents)
    calendar = fields.Nested(CalendarTable)
    sla = fields.Nested(_Sla)
    notifications = fields.Nested(NotificationsTable)
    targets = fields.Nested(ServiceTargetsTable)

    @post_load
    def build(self, data: dict[str, Any], **_: Any) -> Policy:
        """The default policy with what the file gives laid over it."""
        policy = Policy()
        complaints = dict(data.get("complaints", {}))
        deadlines: Mapping[str, Any] = complaints.pop("deadlines", {})
        tiers: Mapping[str, Any] = complaints.pop("tiers", {})
        # Targets by name lie over the defaults; a default for a category the file drops goes.
        categories = complaints.get("categories", policy.categories)
        complaints["category_targets"] = {
            **{k: v for k, v in policy.category_targets.items() if k in categories},
            **complaints.get("category_targets", {}),
        }
        settings = {**complaints, **data.get("handoffs", {}), **data.get("sla", {})}
        if "calendar" in data:
            settings["calendar"] = data["calendar"]
        if "notifications" in data:
            settings["notifications"] = data["notifications"]
        if "targets" in data:
            settings["service_targets"] = data["targets"]
        return replace(
            policy,
            priorities={
                name: replace(targets, **deadlines.get(name, {}))
                for name, targets in policy.priorities.items()
            },
            tier_first_response={
                **policy.tier_first_response,
                **{name: tier.get("first_response") for name, tier in tiers.items()},
            },
            incidents=_incidents(data.get("incidents", {})),
            **settings,
        )


def _incidents(given: Mapping[str, Any]) -> IncidentPolicy:
    default = IncidentPolicy()
    settings = dict(given)
    every = settings.pop("status_update_every", {})
    return replace(
        default,
        status_update_every={**default.status_update_every, **every},
        **settings,
    )


def policy_from_mapping(data: Mapping[str, Any]) -> Policy:
    """Build a policy from parsed TOML, naming the first invalid setting."""
    return cast(Policy, PolicyFile.read(data))


def load_policy(path: Path | None) -> Policy:
    """The default policy, overridden by the TOML file at `path` if given."""
    return Policy() if path is None else cast(Policy, PolicyFile.read(path))
