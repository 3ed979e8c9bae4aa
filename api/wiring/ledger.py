"""The ledger on the configured store with its master key and policy, for the service and the CLI
(which so need not import the HTTP routes)."""

import logging

from api.config import Settings
from ledger.application.service import LedgerApplication
from ledger.clock import Clock
from ledger.policy.policy_file import load_policy
from ledger.store.availability import install_store_gate
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import load_keyring

log = logging.getLogger(__name__)


def build_ledger(settings: Settings, *, clock: Clock | None = None) -> LedgerApplication:
    """The ledger on the configured store, with its master key; for the service and the CLI."""
    store_settings = settings_for_url(settings.store_url)  # first: it makes a private data dir
    store_settings["POSTGRES_CONNECT_TIMEOUT"] = str(settings.db_timeout)
    keyring, warning = load_keyring(
        settings.master_key_settings, settings.data_dir, generate_if_missing=settings.embedded
    )
    if warning:
        log.warning(warning)
    ledger = LedgerApplication(
        store_settings,
        keyring=keyring,
        policy=load_policy(settings.policy_file),
        clock=clock,
        group_commit=settings.group_commit,
    )
    install_store_gate(
        ledger.recorder.datastore,  # type: ignore[attr-defined]
        retry_after=settings.retry_after,
        statement_timeout=settings.statement_timeout,
    )
    return ledger
