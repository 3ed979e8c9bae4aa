"""The service policy file (TOML): a marshmallow schema that turns it into a `Policy`.

Every refusal names the setting as a path in the file (`complaints.deadlines.urgent.resolution`),
so an operator can find it. Rules that join settings (the intake department is a department,
resolution comes after first response) are the `Policy`'s own, checked when it is built.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import time
from pathlib import Path
from typing import Any, cast

from marshmallow import fields, post_load, validate

from ledger.errors import PolicyError
from ledger.policy.calendar import WEEKDAYS, BusinessCalendar
from ledger.policy.config_schema import NAME, ConfigFile, Duration, Flag, Table, names
from ledger.policy.durations import SERVICE_TIMES
from ledger.policy.notification_policy import AUDIENCES, TRIGGERS, NotificationPolicy
from ledger.policy.service_policy import IncidentPolicy, Policy, Targets
from ledger.policy.service_targets import ServiceTargets
from ledger.values import INCIDENT_LEVELS, PRIORITIES

_TABLE: dict[str, Any] = {"invalid": "expected a table"}
_CLOCK: dict[str, Any] = {"invalid": "expected a time like '09:00'"}


def _service_time(**kwargs: Any) -> Duration:
    return Duration(SERVICE_TIMES, **kwargs)


def _integer(message: str = "expected an integer", **kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, error_messages={"invalid": message}, **kwargs)


class _Targets(Table):
    first_response = _service_time()
    resolution = _service_time()
    written_reply = _service_time()


class _Tier(Table):
    first_response = _service_time()


class _ByName(Table):
    """Targets of one category or channel: each one given tightens the priority's."""

    first_response = _service_time()
    resolution = _service_time()
    written_reply = _service_time()

    @post_load
    def build(self, data: dict[str, Any], **_: Any) -> Targets:
        return Targets(**data)


def _by_name(data_key: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=NAME),
        values=fields.Nested(_ByName),
        data_key=data_key,
        error_messages=_TABLE,
    )


class _Complaints(Table):
    deadlines = fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(
                PRIORITIES, error="unknown priority (expected one of {choices})"
            )
        ),
        values=fields.Nested(_Targets),
        error_messages=_TABLE,
    )
    tiers = fields.Dict(
        keys=fields.String(validate=NAME), values=fields.Nested(_Tier), error_messages=_TABLE
    )
    categories = names()
    departments = names()
    intake_department = fields.String(validate=NAME, error_messages={"invalid": "expected a name"})
    reopen_at_or_below = _integer()
    feedback_due = _service_time()
    registration_within = _service_time()
    category_targets = _by_name("by_category")
    channel_targets = _by_name("by_channel")


class _Handoffs(Table):
    handoff_accept = _service_time(data_key="accept")
    handoff_complete = _service_time(data_key="complete")


class _Sla(Table):
    pause_while_awaiting_customer = Flag()
    warn_at_percent = _integer(
        "expected a whole number from 1 to 99",
        validate=validate.Range(1, 99, error="expected a whole number from 1 to 99"),
    )

    @post_load
    def as_fraction(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "warn_at_percent" in data:
            data["warn_at_fraction"] = data.pop("warn_at_percent") / 100
        return data


class _Incidents(Table):
    assess_within = _service_time()
    activate_within = _service_time()
    review_plan_working_days = _integer()
    verify_within = _service_time()
    roles = names()
    status_update_every = fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(
                INCIDENT_LEVELS, error="unknown level (expected one of {choices})"
            )
        ),
        values=_service_time(),
        error_messages=_TABLE,
    )


def _audiences() -> fields.List[str]:
    choice = validate.OneOf(AUDIENCES, error="unknown audience (expected one of {choices})")
    return fields.List(
        fields.String(validate=choice),
        post_load=tuple,
        error_messages={"invalid": "expected a list of audiences"},
    )


class _Trigger(Table):
    enabled = Flag()
    to = _audiences()
    after = _service_time()


class _Notifications(Table):
    triggers = fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(TRIGGERS, error="unknown trigger (expected one of {choices})")
        ),
        values=fields.Nested(_Trigger),
        error_messages=_TABLE,
    )
    by_level = fields.Dict(keys=fields.String(), values=_audiences(), error_messages=_TABLE)

    @post_load
    def build(self, data: dict[str, Any], **_: Any) -> NotificationPolicy:
        default = NotificationPolicy()
        given: Mapping[str, Any] = data.get("triggers", {})
        return NotificationPolicy(
            triggers={
                name: replace(trigger, **given.get(name, {}))
                for name, trigger in default.triggers.items()
            },
            by_level={**default.by_level, **data.get("by_level", {})},
        )


class _Calendar(Table):
    timezone = fields.String(
        required=True,
        error_messages={"required": "name the time zone, e.g. 'Asia/Shanghai'"},
    )
    opens = fields.Time(load_default=time(9), error_messages=_CLOCK)
    closes = fields.Time(load_default=time(18), error_messages=_CLOCK)
    workdays = fields.List(
        fields.String(validate=validate.OneOf(WEEKDAYS, error="expected one of {choices}")),
        load_default=list(WEEKDAYS[:5]),
        error_messages={"invalid": f"expected a list of {', '.join(WEEKDAYS)}"},
    )
    holidays = fields.List(
        fields.Date(error_messages={"invalid": "expected dates like 2026-10-01"}),
        load_default=list,
        error_messages={"invalid": "expected a list of dates"},
    )

    @post_load
    def build(self, data: dict[str, Any], **_: Any) -> BusinessCalendar:
        return BusinessCalendar(
            timezone=data["timezone"],
            opens=data["opens"],
            closes=data["closes"],
            workdays=frozenset(WEEKDAYS.index(day) for day in data["workdays"]),
            holidays=frozenset(data["holidays"]),
        )


def _percent(data_key: str) -> fields.Integer:
    message = "expected a whole number from 0 to 100"
    return _integer(message, validate=validate.Range(0, 100, error=message), data_key=data_key)


class _ServiceTargets(Table):
    """`csat_percent = 85`, `reopen_rate_max_percent = 5`, `response_p90 = "4h"`, ..."""

    csat = _percent("csat_percent")
    first_contact_resolution = _percent("first_contact_resolution_percent")
    resolution_success = _percent("resolution_success_percent")
    sla_compliance = _percent("sla_compliance_percent")
    reopen_rate = _percent("reopen_rate_max_percent")
    bounce_rate = _percent("bounce_rate_max_percent")
    response_p90 = _service_time()
    resolution_p90 = _service_time()

    @post_load
    def build(self, data: dict[str, Any], **_: Any) -> ServiceTargets:
        shares = {k: v / 100 for k, v in data.items() if isinstance(v, int)}
        return ServiceTargets(**{**data, **shares})


class PolicyFile(ConfigFile):
    """The whole file: `[complaints]`, `[handoffs]`, `[incidents]`, `[calendar]`, `[sla]`,
    `[notifications]`, `[targets]`."""

    what = "policy"
    refusal = PolicyError

    complaints = fields.Nested(_Complaints)
    handoffs = fields.Nested(_Handoffs)
    incidents = fields.Nested(_Incidents)
    calendar = fields.Nested(_Calendar)
    sla = fields.Nested(_Sla)
    notifications = fields.Nested(_Notifications)
    targets = fields.Nested(_ServiceTargets)

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
