"""The retention run at scale (issue 7): cases archived per second and peak RSS, PostgreSQL.

For each of two sizes (10 k and 100 k closed cases in the full run) a fresh schema gets that
many closed complaints (6 events, one person each) in bulk through the recorder; the tree and
the retention index are brought up to date (the tamper-evidence job's and the projection
worker's work); then one retention run, in a process of its own three years and a day later,
archives every case with its proof, destroys every key and confirms each destruction between
signed checkpoints. Its rate is set against a raw keyset read of the same cases' events from
the same table, just before it; its peak RSS at the larger size against the smaller one is the
flatness figure.
"""

from datetime import datetime
from typing import Any

from ledger.application.service import LedgerApplication
from ledger.store.settings import settings_for_url
from tests.bench.context import BenchContext
from tests.bench.database import fresh_schema, url_for
from tests.bench.harness import Figure
from tests.bench.retention_run import RETENTION, prepare, run_child
from tests.bench.rows.encryption import bench_keyring
from tests.bench.rows.large import raw_read_rate

AT = datetime.fromisoformat("2026-01-05T09:00:00+00:00")


def _one(cases: int) -> dict[str, Any]:
    """Generate, read raw, run: the child's result with the baseline and the generator's time."""
    with fresh_schema() as schema:
        url = url_for(schema)
        took = prepare(url, cases, AT)
        app = LedgerApplication(settings_for_url(url), keyring=bench_keyring())
        try:
            raw = raw_read_rate(app) * cases / took["events"]  # events/s as cases/s
        finally:
            app.close()
        result = run_child(url, AT + RETENTION)
    if (result["archived"], result["destroyed"]) != (cases, cases):
        raise RuntimeError(f"the run archived {result['archived']} of {cases} cases")
    return {**result, "raw": raw, **took}


def measure(ctx: BenchContext) -> list[Figure]:
    scale = ctx.scale
    first, full = _one(scale.retention_first), _one(scale.retention_cases)
    figures = []
    for size, result in ((scale.retention_first, first), (scale.retention_cases, full)):
        rate = size / result["seconds"]
        figures.append(
            Figure(
                name=f"retention run over {size:,} closed cases vs raw read of their events",
                value=rate,
                unit="cases/s",
                baseline=result["raw"],
                ratio=rate / result["raw"],
                ratio_min=rate / result["raw"],
                ratio_max=rate / result["raw"],
                target="report",
                passed=None,
                rounds=[[result["raw"], rate]],
                note=(
                    f"archive + proof + key + confirmation; {result['seconds']:.0f} s; "
                    f"index catch-up {result['index']:.1f} s, tree {result['tree']:.1f} s before"
                ),
            )
        )
    ratio = full["rss_mib"] / first["rss_mib"]
    figures.append(
        Figure(
            name=(
                f"retention run peak RSS at {scale.retention_cases:,} vs at "
                f"{scale.retention_first:,} closed cases"
            ),
            value=full["rss_mib"],
            unit="MiB",
            baseline=first["rss_mib"],
            ratio=ratio,
            ratio_min=ratio,
            ratio_max=ratio,
            target="≤ 1.5 x (flat)",
            passed=ratio <= 1.5,
            rounds=[[first["rss_mib"], full["rss_mib"]]],
        )
    )
    generated = scale.retention_first + scale.retention_cases
    figures.append(
        Figure(
            name="closed-case generator (keys and events batched, recorder)",
            value=generated / (first["generate"] + full["generate"]),
            unit="cases/s",
            baseline=None,
            ratio=None,
            target="report",
            passed=None,
            note=f"{generated:,} cases of {full['events'] / scale.retention_cases:.0f} events",
        )
    )
    return figures
