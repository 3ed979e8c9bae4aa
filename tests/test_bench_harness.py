"""`make bench` at its tiny scale: every row runs end to end and reports in the agreed shape."""

import contextlib
import io
import json

import pytest

from ledger.application.service import LedgerApplication
from tests.bench.__main__ import main
from tests.bench.generate import generate_events
from tests.bench.harness import BEGIN, END
from tests.bench.rows import PLACEHOLDERS
from tests.conftest import require_postgres

FIELDS = {"name", "value", "unit", "baseline", "ratio", "target", "pass"}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, str, str]:  # type: ignore[type-arg]
    require_postgres()
    directory = tmp_path_factory.mktemp("bench")
    docs = directory / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nProse kept.\n\n{BEGIN}\nold\n{END}\n")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(
            ["--scale", "tiny", "--json", str(directory / "latest.json"), "--docs", str(docs)]
        )
    output = printed.getvalue()
    return status, json.loads((directory / "latest.json").read_text()), docs.read_text(), output


@pytest.mark.postgres
def test_the_tiny_bench_finishes_without_an_error(report: tuple[int, dict, str, str]) -> None:  # type: ignore[type-arg]
    assert report[0] == 0


@pytest.mark.postgres
def test_every_measured_figure_has_a_value_and_a_same_run_baseline_or_says_it_reports(
    report: tuple[int, dict, str, str],  # type: ignore[type-arg]
) -> None:
    measured = [f for f in report[1]["figures"] if not f["note"].startswith("not measured")]
    assert measured
    for figure in measured:
        assert FIELDS <= set(figure), figure
        assert figure["value"] is not None and figure["value"] > 0, figure
        if figure["ratio"] is not None:
            assert figure["baseline"] > 0
            assert figure["ratio_min"] <= figure["ratio"] <= figure["ratio_max"]
            # A retention run destroys what it measures: one round per size (a fresh ledger each).
            one_shot = figure["name"].startswith("retention run")
            assert len(figure["rounds"]) == (1 if one_shot else 2), figure


@pytest.mark.postgres
def test_each_measured_figure_is_printed_once_before_the_table(
    report: tuple[int, dict, str, str],  # type: ignore[type-arg]
) -> None:
    # A long run (the 10 M ledger) must leave what it measured on screen if it is stopped early.
    progress = report[3].split("\n\n", 1)[0]
    for figure in report[1]["figures"]:
        if not figure["note"].startswith("not measured"):
            assert progress.count(f"\n  {figure['name']}: ") == 1, figure["name"]


@pytest.mark.postgres
def test_only_the_rows_still_to_come_are_listed_as_not_measured_with_their_issue(
    report: tuple[int, dict, str, str],  # type: ignore[type-arg]
) -> None:
    notes = {f["name"]: f["note"] for f in report[1]["figures"]}
    unmeasured = {name for name, note in notes.items() if note.startswith("not measured")}
    assert unmeasured == {name for name, _, _ in PLACEHOLDERS}
    for name, issue, _ in PLACEHOLDERS:
        assert notes[name] == f"not measured: lands with issue {issue}"


@pytest.mark.postgres
def test_the_docs_block_is_replaced_and_the_prose_around_it_kept(
    report: tuple[int, dict, str, str],  # type: ignore[type-arg]
) -> None:
    docs = report[2]
    assert "Prose kept." in docs
    assert "old" not in docs.split(BEGIN)[1]
    assert "| append, full stack over HTTP" in docs


def test_the_bulk_generator_stores_exactly_the_events_asked_for_in_order(
    ledger: LedgerApplication,
) -> None:
    made = generate_events(ledger, events=57, at=ledger.clock.now(), subjects=3, batch=20)
    log = ledger.recorder.select_notifications(start=1, limit=100)
    assert made == 57
    assert len(log) == 57
    first = ledger.get_complaint(log[0].originator_id)
    assert ledger.keys.reveal(first.summary) == "Generated complaint"
