"""`ledger review export`: the same review as over HTTP, written to a file in each format."""

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from api.wiring.ledger import build_ledger
from ledger.values import Actor
from tests.api.test_cli import ledger_command, ledger_settings

MANAGER = Actor("im-1", "incident_manager")


def _embedded_incident(data_dir: Path) -> str:
    ledger = build_ledger(ledger_settings(data_dir))
    try:
        incident = ledger.report_incident(title="Gateway <down>", description="d", actor=MANAGER)
        ledger.assess_incident(
            incident.id,
            level="II",
            impact="checkout",
            affected_customers=[{"name": "Sun Ba"}],
            departments=["technical"],
            actor=MANAGER,
        )
        return incident.reference
    finally:
        ledger.close()


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("md", "# Post-incident review INC-"),
        ("html", "<!DOCTYPE html>"),
        ("json", '"reference": "INC-'),
    ],
)
def test_a_review_is_exported_in_each_format(data_dir: Path, fmt: str, expected: str) -> None:
    reference = _embedded_incident(data_dir)
    output = data_dir / f"review.{fmt}"
    result = ledger_command(
        data_dir,
        "review",
        "export",
        reference,
        "--format",
        fmt,
        "--output",
        str(output),
        "--staff",
        "im-1",
    )
    assert result.returncode == 0, result.stderr
    text = output.read_text(encoding="utf-8")
    assert expected in text
    assert "Sun Ba" not in text  # an incident manager sees the customer masked


def test_the_json_export_matches_the_review_schema(data_dir: Path) -> None:
    reference = _embedded_incident(data_dir)
    output = data_dir / "review.json"
    ledger_command(
        data_dir,
        "review",
        "export",
        reference,
        "--format",
        "json",
        "--output",
        str(output),
        "--staff",
        "im-1",
    )
    review = json.loads(output.read_text(encoding="utf-8"))
    assert (review["reference"], review["level"], review["affected_customers"][0]["name"]) == (
        reference,
        "II",
        "S*****",
    )


def test_exporting_an_unknown_incident_fails_with_one_line(data_dir: Path) -> None:
    _embedded_incident(data_dir)
    result = ledger_command(
        data_dir,
        "review",
        "export",
        "INC-2026-999999",
        "--output",
        str(data_dir / "x.md"),
        "--staff",
        "im-1",
    )
    assert result.returncode == 2
    assert result.stderr.startswith("ledger: no incident")
    assert result.stderr.strip().count("\n") == 0


def test_a_review_is_printed_to_stdout_with_the_documented_arguments(data_dir: Path) -> None:
    reference = _embedded_incident(data_dir)
    result = ledger_command(
        data_dir, "review", "export", reference, "--format", "md", "--output", "-"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"# Post-incident review {reference}")


def _incident_linking_a_quality_complaint(data_dir: Path) -> tuple[str, str]:
    ledger = build_ledger(ledger_settings(data_dir))
    try:
        reference = _embedded_incident(data_dir)
        incident = ledger.find_incident(reference)
        complaint = ledger.register_complaint(
            channel="phone",
            customer_name="Zhou Jiu",
            summary="s",
            description="d",
            department="quality",
            actor=Actor("sup-9", "supervisor", "quality"),
        )
        ledger.link_complaint_to_incident(incident.id, complaint_id=complaint.id, actor=MANAGER)
        return reference, complaint.reference
    finally:
        ledger.close()


def _export_as_department_staff(data_dir: Path, incident: str, department: str) -> Any:
    return ledger_command(
        data_dir,
        "review", "export", incident, "--format", "json", "--output", "-",
        "--staff", "tech-3", "--role", "department_staff", "--department", department,
    )  # fmt: skip


def test_an_exported_review_shows_a_linked_complaint_outside_the_readers_scope_by_reference_only(
    data_dir: Path,
) -> None:
    incident, complaint = _incident_linking_a_quality_complaint(data_dir)
    result = _export_as_department_staff(data_dir, incident, "technical")
    assert result.returncode == 0, result.stderr
    review = json.loads(result.stdout)
    [linked] = review["linked_complaints"]
    assert (linked["reference"], linked["timeline_shown"]) == (complaint, False)
    assert {row["stream"] for row in review["timeline"]} == {"incident"}


def test_department_staff_cannot_export_the_review_of_an_incident_not_involving_them(
    data_dir: Path,
) -> None:
    incident, _ = _incident_linking_a_quality_complaint(data_dir)
    result = _export_as_department_staff(data_dir, incident, "logistics")
    assert result.returncode == 2
    assert result.stderr.startswith("ledger: no incident")


def test_an_exported_review_is_readable_by_its_owner_only_whatever_the_umask(
    data_dir: Path,
) -> None:
    reference = _embedded_incident(data_dir)
    output = data_dir / "review.md"
    output.write_text("an older export")
    output.chmod(0o644)
    previous = os.umask(0)
    try:
        result = ledger_command(
            data_dir, "review", "export", reference, "--format", "md", "--output", str(output)
        )
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
