"""Sections of the service policy file that build objects of their own, and the field helpers
every section uses: `[calendar]` (a `BusinessCalendar`), `[notifications]` (a
`NotificationPolicy`), `[targets]` (`ServiceTargets`). The file as a whole is
`ledger.policy.policy_file`.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import time
from typing import Any

from marshmallow import fields, post_load, validate

from ledger.policy.calendar import WEEKDAYS, BusinessCalendar
from ledger.policy.config_schema import Duration, Flag, Table
from ledger.policy.durations import SERVICE_TIMES
from ledger.policy.notification_policy import AUDIENCES, TRIGGERS, NotificationPolicy
from ledger.policy.service_targets import ServiceTargets

TABLE_ERRORS: dict[str, Any] = {"invalid": "expected a table"}
CLOCK_ERRORS: dict[str, Any] = {"invalid": "expected a time like '09:00'"}


def service_time(**kwargs: Any) -> Duration:
    return Duration(SERVICE_TIMES, **kwargs)


def integer(message: str = "expected an integer", **kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, error_messages={"invalid": message}, **kwargs)


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
    after = service_time()


class NotificationsTable(Table):
    triggers = fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(TRIGGERS, error="unknown trigger (expected one of {choices})")
        ),
        values=fields.Nested(_Trigger),
        error_messages=TABLE_ERRORS,
    )
    by_level = fields.Dict(keys=fields.String(), values=_audiences(), error_messages=TABLE_ERRORS)

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


class CalendarTable(Table):
    timezone = fields.String(
        required=True,
        error_messages={"required": "name the time zone, e.g. 'Asia/Shanghai'"},
    )
    opens = fields.Time(load_default=time(9), error_messages=CLOCK_ERRORS)
    closes = fields.Time(load_default=time(18), error_messages=CLOCK_ERRORS)
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
    return integer(message, validate=validate.Range(0, 100, error=message), data_key=data_key)


class ServiceTargetsTable(Table):
    """`csat_percent = 85`, `reopen_rate_max_percent = 5`, `response_p90 = "4h"`, ..."""

    csat = _percent("csat_percent")
    first_contact_resolution = _percent("first_contact_resolution_percent")
    resolution_success = _percent("resolution_success_percent")
    sla_compliance = _percent("sla_compliance_percent")
    reopen_rate = _percent("reopen_rate_max_percent")
    bounce_rate = _percent("bounce_rate_max_percent")
    response_p90 = service_time()
    resolution_p90 = service_time()

    @post_load
    def build(self, data: dict[str, Any], **_: Any) -> ServiceTargets:
        shares = {k: v / 100 for k, v in data.items() if isinstance(v, int)}
        return ServiceTargets(**{**data, **shares})
