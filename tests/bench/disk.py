"""What a ledger takes on disk: its schema's tables and indexes, per stored event."""

from typing import Any

from tests.bench.harness import Figure


def disk_figure(app: Any, events: int) -> Figure:
    """Bytes per event of every table in the ledger's schema, and how much of it is indexes."""
    datastore = app.recorder.datastore
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS total, "
            "coalesce(sum(pg_indexes_size(c.oid)), 0) AS indexes "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            (datastore.schema,),
        )
        row = cursor.fetchone()
    total, indexes = int(row["total"]), int(row["indexes"])
    return Figure(
        name=f"disk per event at {events:,} events (tables, TOAST and indexes of the schema)",
        value=total / events,
        unit="bytes/event",
        baseline=None,
        ratio=None,
        target="report",
        passed=None,
        note=f"{total / 2**20:,.0f} MiB in all, of which indexes {indexes / 2**20:,.0f} MiB",
    )
