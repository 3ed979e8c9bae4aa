"""Retention rules: how long personal data is kept after a case closes, loadable from TOML.

    [complaints]            default = "3y"     keep = after closure, per record kind
    [complaints.categories] after_sales = "5y" per category (a complaint's category)
    [incidents]             default = "5y"
    [incidents.categories]  major = "10y"      per category (an incident's level)
    [access_log]            keep = "6mo"       never below the 6-month floor (003 §4.2)
    [operation_log]         keep = "183d"      never below 183 days; LEDGER_OPLOG_RETENTION_DAYS
                                               when the file leaves it out

Durations: `Nd` days, `Nw` weeks, `Nmo` months (30 days), `Ny` years (365 days). Validated when
the service or the CLI starts, naming the first invalid setting. Knows no complaint: kinds and
categories are just names.
"""

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ledger.audit.operation_log import RETENTION_FLOOR as OPERATION_LOG_FLOOR
from ledger.policy.durations import RETENTION_PERIODS, DurationError

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ACCESS_LOG_FLOOR = timedelta(days=180)
KINDS = ("complaint", "incident")


class RetentionError(ValueError):
    """A retention setting is invalid (refused at start)."""


def parse_retention(text: Any, *, where: str) -> timedelta:
    """`90d`, `6mo`, `3y` as a positive number of days (ledger/policy/durations.py)."""
    try:
        return RETENTION_PERIODS.parse(text, where=where)
    except DurationError as error:
        raise RetentionError(str(error)) from None


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
                f"(6 months), got {self.access_log.days} days"
            )
        if self.operation_log is not None and self.operation_log < OPERATION_LOG_FLOOR:
            raise RetentionError(
                f"operation_log.keep: the operation log is kept at least "
                f"{OPERATION_LOG_FLOOR.days} days, got {self.operation_log.days} days"
            )

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


def load_retention(path: Path | None) -> RetentionRules:
    """The default rules, overridden by the TOML file at `path` if given."""
    if path is None:
        return RetentionRules()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RetentionError(f"retention file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RetentionError(f"retention file {path} is not valid TOML: {error}") from None
    return retention_from_mapping(data)


def _kind_rule(data: Any, *, where: str, default: KindRule) -> KindRule:
    if not isinstance(data, Mapping):
        raise RetentionError(f"{where}: expected a table")
    if unknown := set(data) - {"default", "categories"}:
        raise RetentionError(f"{where}: unknown setting(s): {', '.join(sorted(unknown))}")
    period = (
        parse_retention(data["default"], where=f"{where}.default")
        if "default" in data
        else default.default
    )
    categories = data.get("categories", {})
    if not isinstance(categories, Mapping):
        raise RetentionError(f"{where}.categories: expected a table")
    by_category: dict[str, timedelta] = {}
    for name, value in categories.items():
        if not _NAME.match(name):
            raise RetentionError(f"{where}.categories.{name}: not a category name")
        by_category[name] = parse_retention(value, where=f"{where}.categories.{name}")
    return KindRule(period, by_category)


def retention_from_mapping(data: Mapping[str, Any]) -> RetentionRules:
    """Build the rules from parsed TOML, naming the first invalid setting."""
    if unknown := set(data) - {"complaints", "incidents", "access_log", "operation_log"}:
        raise RetentionError(f"unknown retention section(s): {', '.join(sorted(unknown))}")
    defaults = RetentionRules()
    access = data.get("access_log", {})
    if not isinstance(access, Mapping) or set(access) - {"keep"}:
        raise RetentionError("access_log: expected only keep")
    oplog = data.get("operation_log", {})
    if not isinstance(oplog, Mapping) or set(oplog) - {"keep"}:
        raise RetentionError("operation_log: expected only keep")
    return RetentionRules(
        complaint=_kind_rule(
            data.get("complaints", {}), where="complaints", default=defaults.complaint
        ),
        incident=_kind_rule(
            data.get("incidents", {}), where="incidents", default=defaults.incident
        ),
        access_log=parse_retention(access["keep"], where="access_log.keep")
        if "keep" in access
        else defaults.access_log,
        operation_log=parse_retention(oplog["keep"], where="operation_log.keep")
        if "keep" in oplog
        else None,
    )
