"""How many server processes serve the ledger, and the connection pool each one gets."""

import os

import pytest

from api.config import Settings
from api.server import fit_pools
from ledger.errors import PolicyError
from ledger.store.settings import settings_for_url

POSTGRES = "postgresql://postgres@127.0.0.1:5432/ledger?schema=s"


def _pool(settings: Settings) -> tuple[int, int]:
    store = settings_for_url(settings.store_url)
    return int(store["POSTGRES_POOL_SIZE"]), int(store["POSTGRES_MAX_OVERFLOW"])


def test_the_ledger_is_served_by_one_process_per_two_cpus_unless_told() -> None:
    expected = max(1, (os.cpu_count() or 1) // 2)
    assert Settings.from_env({}).processes == expected  # the embedded server too
    assert Settings.from_env({"LEDGER_DATABASE_URL": POSTGRES}).processes == expected
    told = Settings.from_env({"LEDGER_DATABASE_URL": POSTGRES, "LEDGER_WORKERS": "3"})
    assert told.processes == 3
    assert Settings.from_env({"LEDGER_WORKERS": "2"}).processes == 2


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@%2Fvar%2Flib%2FLedger%2Fpg/ledger?schema=s",
        "postgresql://postgres@/ledger?host=/var/lib/Ledger/pg&schema=s",
    ],
)
def test_a_socket_directory_may_be_the_host(url: str) -> None:
    store = settings_for_url(url)
    assert (store["POSTGRES_HOST"], store["POSTGRES_DBNAME"]) == ("/var/lib/Ledger/pg", "ledger")
    assert store["POSTGRES_SCHEMA"] == "s"


def test_a_url_without_a_host_is_refused() -> None:
    with pytest.raises(PolicyError, match="expected postgresql://"):
        settings_for_url("postgresql://postgres@/ledger")


def test_the_default_pool_is_kept_when_every_process_fits() -> None:
    settings = Settings(database_url=POSTGRES, workers=2)
    assert _pool(fit_pools(settings, max_connections=97)) == (10, 20)


def test_the_default_pool_shrinks_so_that_every_process_fits() -> None:
    settings = fit_pools(Settings(database_url=POSTGRES, workers=4), max_connections=97)
    size, overflow = _pool(settings)
    assert 4 * (size + overflow + 2) <= 97 - 10
    assert settings_for_url(settings.store_url)["POSTGRES_SCHEMA"] == "s"


def test_a_pool_named_in_the_url_that_does_not_fit_is_refused() -> None:
    settings = Settings(database_url=POSTGRES + "&pool_size=20&max_overflow=20", workers=4)
    with pytest.raises(PolicyError, match="max_connections"):
        fit_pools(settings, max_connections=97)


def test_too_many_processes_for_the_database_are_refused() -> None:
    with pytest.raises(PolicyError, match="LEDGER_WORKERS"):
        fit_pools(Settings(database_url=POSTGRES, workers=64), max_connections=97)


def test_an_option_given_twice_in_the_url_takes_its_last_value() -> None:
    store = settings_for_url(f"{POSTGRES}&pool_size=4&pool_size=1&max_overflow=0")
    assert (store["POSTGRES_POOL_SIZE"], store["POSTGRES_MAX_OVERFLOW"]) == ("1", "0")
