"""Retention rules: how long personal data is kept after a case closes, loadable from TOML.

    [complaints]            default = "3y"     keep = after closure, per record kind
    [complaints.categories] after_sales = "5y" per category (a complaint's category)
    [incidents]             default = "5y"
    [incidents.categories]  major = "10y"      per category (an incident's level)
    [access_log]            keep = "183d"      the audit log's reveals: one log with the
    [operation_log]         keep = "183d"      operations, kept the longer of the two, never
                                               below 183 days (six months, 003 §4.2);
                                               LEDGER_OPLOG_RETENTION_DAYS when the file leaves
                                               `operation_log` out

Durations: `Nd` days, `Nw` weeks, `Nmo` months (30 days), `Ny` years (365 days). Validated when
the service or the CLI starts, naming the first invalid setting. Knows no complaint: kinds and
categories are just names.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from marshmallow import fields, post_load, validate

from ledger.audit.log_rows import RETENTION_FLOOR as OPERATION_LOG_FLOOR
from ledger.policy.config_schema import ConfigFile, Duration, Table
from ledger.policy.durations import RETENTION_PERIODS

ACCESS_LOG_FLOOR = OPERATION_LOG_FLOOR  # one audit log, one floor: 183 days
KINDS = ("complaint", "incident")


class RetentionError(ValueError):
    """A retention setting is invalid (refused at start)."""


def describe(period: timedelta) -> str:
    """A period as its number of days: `1095d`."""
    return f"{period.days}d"


@dataclass(frozen=True)
class KindRule:
    """The retention of one record kind: a default and per-category overrides."""

    default: timedelta
    categories: Mapping[str, timedelta] = field(default_factory=dict)

    def for_category(self, category: str | None) -> tuple[timedelta, str]:
        """The period and the rule's name (`default` or the category)."""
        if category is not None and category in self.categories:
            return self.categories[category], category
        return self.default, "default"


@dataclass(frozen=True)
class RetentionRules:
    """How long each kind of record keeps its personal data after closure."""

    complaint: KindRule = field(default_factory=lambda: KindRule(timedelta(days=3 * 365)))
    incident: KindRule = field(default_factory=lambda: KindRule(timedelta(days=5 * 365)))
    access_log: timedelta = ACCESS_LOG_FLOOR
    operation_log: timedelta | None = None  # None: the setting LEDGER_OPLOG_RETENTION_DAYS

    def __post_init__(self) -> None:
        if self.access_log < ACCESS_LOG_FLOOR:
            raise RetentionError(
                f"access_log.keep: the access log is kept at least {ACCESS_LOG_FLOOR.days} days "
                f"(six months), got {self.access_log.days} days"
            )
        if self.operation_log is not None and self.operation_log < OPERATION_LOG_FLOOR:
            raise RetentionError(
                f"operation_log.keep: the operation log is kept at least "
                f"{OPERATION_LOG_FLOOR.days} days, got {self.operation_log.days} days"
            )

    @property
    def audit_log(self) -> timedelta | None:
        """How long the one audit log keeps its rows: the longer of the two settings (None
        while the operation log's is the service setting's, not yet filled in)."""
        if self.operation_log is None:
            return None
        return max(self.operation_log, self.access_log)

    def describe(self) -> dict[str, str]:
        """Every rule as `name: NNNd`, for reports."""
        rules = {"access_log.keep": describe(self.access_log)}
        if self.operation_log is not None:
            rules["operation_log.keep"] = describe(self.operation_log)
        for kind in KINDS:
            rule: KindRule = getattr(self, kind)
            rules[f"{kind}s.default"] = describe(rule.default)
            for name, period in sorted(rule.categories.items()):
                rules[f"{kind}s.categories.{name}"] = describe(period)
        return rules

    def period(self, kind: str, category: str | None) -> tuple[timedelta, str]:
        """The retention period of a case and the name of the rule that set it."""
        if kind not in KINDS:
            raise RetentionError(f"unknown record kind {kind!r}")
        rule: KindRule = getattr(self, kind)
        period, name = rule.for_category(category)
        return period, f"{kind}s.{'categories.' + name if name != 'default' else name}"


class _Kind(Table):
    default = Duration(RETENTION_PERIODS)
    categories = fields.Dict(
        keys=fields.String(
            validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="not a category name")
        ),
        values=Duration(RETENTION_PERIODS),
        error_messages={"invalid": "expected a table"},
    )


class _Log(Table):
    keep = Duration(RETENTION_PERIODS)


class RetentionFile(ConfigFile):
    """The whole file: `[complaints]`, `[incidents]`, `[access_log]`, `[operation_log]`."""

    what = "retention"
    refusal = RetentionError

    complaints = fields.Nested(_Kind)
    incidents = fields.Nested(_Kind)
    access_log = fields.Nested(_Log)
    operation_log = fields.Nested(_Log)

    @post_load
    def build(self, data: dict[str, Any], **_: Any) -> RetentionRules:
        """The default rules with what the file gives laid over them."""
        defaults = RetentionRules()

        def kind(given: Mapping[str, Any], default: KindRule) -> KindRule:
            return KindRule(given.get("default", default.default), given.get("categories", {}))

        return RetentionRules(
            complaint=kind(data.get("complaints", {}), defaults.complaint),
            incident=kind(data.get("incidents", {}), defaults.incident),
            access_log=data.get("access_log", {}).get("keep", defaults.access_log),
            operation_log=data.get("operation_log", {}).get("keep"),
        )


def retention_from_mapping(data: Mapping[str, Any]) -> RetentionRules:
    """Build the rules from parsed TOML, naming the first invalid setting."""
    return cast(RetentionRules, RetentionFile.read(data))


def load_retention(path: Path | None) -> RetentionRules:
    """The default rules, overridden by the TOML file at `path` if given."""
    return RetentionRules() if path is None else cast(RetentionRules, RetentionFile.read(path))
