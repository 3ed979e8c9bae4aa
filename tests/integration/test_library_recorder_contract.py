"""The `eventsourcing` library's own recorder test cases, run against our append-only recorders.

The triggers that refuse UPDATE, DELETE and TRUNCATE must change nothing the library relies on:
inserting and selecting events, conflicts, notification ids, concurrent writers and readers,
and subscriptions. Each recorder is built the way the application builds it:
from `settings_for_url`, through the library's infrastructure factory, under the name `ledger`.

The library's base classes are `unittest.TestCase`s; pytest collects the subclasses below, and
the bases are deleted at the end of the module so that they are not collected themselves.
"""

import threading
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    NonInterleavingNotificationIDsBaseCase,
)
from eventsourcing.utils import Environment
from psycopg import sql

from ledger.store.recorders import AppendOnlyPostgresApplicationRecorder
from ledger.store.settings import settings_for_url
from tests.conftest import POSTGRES_URL, require_postgres

APPLICATION_NAME = "ledger"
THREAD_JOIN_TIMEOUT = 10.0


def _join_threads_started_after(threads_before: set[threading.Thread]) -> None:
    """Wait for the test's own threads before closing the connections they may still use.

    The library's `test_concurrent_no_conflicts` signals its reader threads to stop but does
    not join them; closing connections under a reader that is mid-query can crash the
    interpreter (it did, in about one run in five, on a driver in C).
    """
    for thread in set(threading.enumerate()) - threads_before:
        # Daemon threads (the connection pool's workers) live until the pool is closed.
        if not thread.daemon and thread is not threading.current_thread():
            thread.join(THREAD_JOIN_TIMEOUT)


class PostgresStore:
    """A fresh PostgreSQL schema per test, dropped afterwards.

    The event table refuses TRUNCATE and DELETE, so the library's own clean-up helpers
    (`eventsourcing.tests.postgres_utils.drop_tables`, which truncates) cannot be used: the
    whole schema is dropped instead, which the triggers allow.
    """

    recorder_class: type[ApplicationRecorder] = AppendOnlyPostgresApplicationRecorder

    def setUp(self) -> None:
        require_postgres()
        self.schema = f"contract_{uuid4().hex[:12]}"
        self.url = f"{POSTGRES_URL}?schema={self.schema}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)))
        self.factories: list[InfrastructureFactory[Any]] = []
        self.threads_before = set(threading.enumerate())
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        _join_threads_started_after(self.threads_before)
        for factory in self.factories:
            factory.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
            )

    def create_recorder(self) -> ApplicationRecorder:
        return _create_recorder(self, self.url)


def _create_recorder(case: PostgresStore, url: str) -> ApplicationRecorder:
    """The application recorder exactly as `LedgerApplication` gets it for this URL."""
    factory = InfrastructureFactory.construct(Environment(APPLICATION_NAME, settings_for_url(url)))
    case.factories.append(factory)
    recorder = factory.application_recorder()
    # Guard against testing the library's plain recorder by mistake (a wrong settings topic).
    assert type(recorder) is case.recorder_class
    return recorder


@pytest.mark.postgres
class TestAppendOnlyPostgresApplicationRecorder(PostgresStore, ApplicationRecorderTestCase):
    """Inserts, selects, conflicts, notification ids, concurrency and subscriptions on PostgreSQL."""

    def test_insert_subscribe(self) -> None:
        # The library leaves this case optional (not every store has subscriptions);
        # projections depend on it, so it runs here.
        self.optional_test_insert_subscribe()


@pytest.mark.postgres
class TestAppendOnlyPostgresNotificationIDsDoNotInterleave(
    PostgresStore, NonInterleavingNotificationIDsBaseCase
):
    """Two concurrent multi-event writes get two unbroken runs of notification ids.

    Projections that tail the log by notification id would skip events otherwise.
    """

    insert_num = 500


# The abstract bases would otherwise be collected as test classes (and fail to instantiate).
del ApplicationRecorderTestCase, NonInterleavingNotificationIDsBaseCase
