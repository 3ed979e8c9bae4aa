"""The service's background jobs run in exactly one process of all that serve one ledger."""

from dataclasses import dataclass
from uuid import uuid4

import psycopg
import pytest

from api.background import JOBS_LOCK_KEY, BackgroundJobs
from ledger.store.settings import settings_for_url
from tests.conftest import POSTGRES_URL


@dataclass
class CountingJob:
    """A stand-in job that only says whether it runs."""

    started: int = 0
    stopped: int = 0

    def start(self) -> None:
        self.started += 1

    def stop(self) -> None:
        self.stopped += 1


def _jobs(url: str, job: CountingJob) -> BackgroundJobs:
    return BackgroundJobs([lambda: job], env=settings_for_url(url))


@pytest.mark.postgres
def test_only_one_of_two_processes_runs_the_jobs(postgres_schema_url: str) -> None:
    first_job, second_job = CountingJob(), CountingJob()
    first, second = _jobs(postgres_schema_url, first_job), _jobs(postgres_schema_url, second_job)
    try:
        first.tick()
        second.tick()
        assert (first.running, second.running) == (True, False)
        assert (first_job.started, second_job.started) == (1, 0)
    finally:
        first.stop()
        second.stop()


@pytest.mark.postgres
def test_another_process_takes_the_jobs_over_when_the_first_stops(
    postgres_schema_url: str,
) -> None:
    first_job, second_job = CountingJob(), CountingJob()
    first, second = _jobs(postgres_schema_url, first_job), _jobs(postgres_schema_url, second_job)
    try:
        first.tick()
        first.stop()
        second.tick()
        assert first_job.stopped == 1
        assert second.running and second_job.started == 1
    finally:
        second.stop()


@pytest.mark.postgres
def test_a_process_that_loses_its_database_connection_stops_its_jobs(
    postgres_schema_url: str,
) -> None:
    job = CountingJob()
    jobs = _jobs(postgres_schema_url, job)
    schema = postgres_schema_url.rsplit("schema=", 1)[1]
    try:
        jobs.tick()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = %s AND objid = hashtext(%s)::oid",
                (JOBS_LOCK_KEY, schema),
            )
        jobs.tick()  # notices the connection is gone: the lock went with it
        assert (jobs.running, job.stopped) == (False, 1)
        jobs.tick()  # and takes it again, with new jobs
        assert jobs.running and job.started == 2
    finally:
        jobs.stop()


@pytest.mark.postgres
def test_ledgers_in_different_schemas_run_their_jobs_side_by_side(
    postgres_schema_url: str,
) -> None:
    other_url = postgres_schema_url.rsplit("schema=", 1)[0] + f"schema=other_{uuid4().hex[:8]}"
    here, there = _jobs(postgres_schema_url, CountingJob()), _jobs(other_url, CountingJob())
    try:
        here.tick()
        there.tick()
        assert here.running and there.running
    finally:
        here.stop()
        there.stop()
