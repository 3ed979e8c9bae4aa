"""Retention rules as configuration: defaults, per-category overrides and the access-log floor."""

from datetime import timedelta
from pathlib import Path

import pytest

from projections.retention.rules import RetentionError, load_retention, retention_from_mapping


def test_defaults_keep_complaints_three_years_and_incidents_five() -> None:
    rules = load_retention(None)
    assert rules.period("complaint", "after_sales") == (
        timedelta(days=3 * 365),
        "complaints.default",
    )
    assert rules.period("incident", None) == (timedelta(days=5 * 365), "incidents.default")
    assert rules.access_log == timedelta(days=183)  # one audit log, one floor


def test_a_category_overrides_its_kinds_default(tmp_path: Path) -> None:
    path = tmp_path / "retention.toml"
    path.write_text('[complaints]\ndefault = "2y"\n[complaints.categories]\nafter_sales = "90d"\n')
    rules = load_retention(path)
    assert rules.period("complaint", "after_sales") == (
        timedelta(days=90),
        "complaints.categories.after_sales",
    )
    assert rules.period("complaint", "order") == (timedelta(days=730), "complaints.default")


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"access_log": {"keep": "5mo"}}, "access_log.keep"),
        ({"access_log": {"keep": "6mo"}}, "access_log.keep"),  # 180 days: below the 183
        ({"operation_log": {"keep": "182d"}}, "operation_log.keep"),
        ({"operation_log": {"forever": True}}, "operation_log.forever: unknown setting"),
        ({"complaints": {"default": "three years"}}, "complaints.default"),
        ({"complaints": {"default": "0d"}}, "complaints.default"),
        ({"incidents": {"categories": {"major": "1x"}}}, "incidents.categories.major"),
        ({"incidents": {"forever": True}}, "incidents.forever: unknown setting"),
        ({"archives": {}}, "archives: unknown section"),
        ({"complaints": "3y"}, "complaints: expected a table"),
        ({"complaints": {"default": "12h"}}, "complaints.default: expected a duration like '90d'"),
        ({"incidents": {"categories": {"Major": "1y"}}}, "incidents.categories.Major: not a"),
        ({"incidents": {"categories": ["major"]}}, "incidents.categories: expected a table"),
    ],
)
def test_an_invalid_setting_is_refused_naming_it(data: dict[str, object], named: str) -> None:
    with pytest.raises(RetentionError) as refused:
        retention_from_mapping(data)

    assert str(refused.value).startswith(named)


def test_a_missing_retention_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RetentionError, match="not found"):
        load_retention(tmp_path / "absent.toml")


def test_a_retention_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "retention.toml"
    path.write_text("[complaints\n")
    with pytest.raises(RetentionError, match="is not valid TOML"):
        load_retention(path)


def test_the_operation_logs_retention_is_set_in_the_file_or_left_to_the_setting() -> None:
    assert retention_from_mapping({}).operation_log is None
    rules = retention_from_mapping({"operation_log": {"keep": "1y"}})
    assert rules.operation_log == timedelta(days=365)
    assert rules.describe()["operation_log.keep"] == "365d"
