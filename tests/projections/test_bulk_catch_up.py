"""A catch-up that bulk-loads a view leaves PostgreSQL statistics on its tables, so that its
first readers get index plans; a catch-up of a few events leaves that to autovacuum."""

from ledger.application.service import LedgerApplication
from projections.engine.batch import catch_up
from projections.engine.read_side import ReadSide
from tests.projections.conftest import new_complaint


def _analyses(side: ReadSide, name: str) -> int:
    """How often the view's tables were analysed (an emptied schema keeps old statistics, so
    their presence would not tell)."""
    generation = side.generation(name)
    tables = [f"{table.name}_g{generation}" for table in side.projection(name).tables]
    with side.db.reading() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(analyze_count), 0) AS n FROM pg_stat_user_tables "
            "WHERE schemaname = %s AND relname = ANY(%s)",
            (side.db.datastore.schema, tables),
        )
        return int(cursor.fetchone()["n"])


def test_a_catch_up_over_as_many_events_as_the_threshold_analyses_the_view(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    new_complaint(ledger)
    applied, before = read_side.head(), _analyses(read_side, "sla")
    catch_up(ledger, read_side.db, read_side.projection("sla"), analyze_after=applied)
    assert _analyses(read_side, "sla") == before + 1


def test_a_catch_up_over_fewer_events_than_the_threshold_leaves_the_statistics_alone(
    ledger: LedgerApplication, read_side: ReadSide
) -> None:
    new_complaint(ledger)
    applied, before = read_side.head(), _analyses(read_side, "sla")
    catch_up(ledger, read_side.db, read_side.projection("sla"), analyze_after=applied + 1)
    assert _analyses(read_side, "sla") == before
