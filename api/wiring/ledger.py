"""The ledger on the configured store with its master key and policy, for the service and the CLI
(which so need not import the HTTP routes)."""

import logging

from api.config import Settings
from ledger.application.service import LedgerApplication
from ledger.clock import Clock
from ledger.errors import NotFoundError
from ledger.policy.policy_file import load_policy
from ledger.store.availability import install_store_gate
from ledger.store.bootstrap import schema_name, store_in_place
from ledger.store.settings import settings_for_url
from privacy.keys.master_key import load_keyring

log = logging.getLogger(__name__)


def build_ledger(
    settings: Settings, *, clock: Clock | None = None, create: bool = True
) -> LedgerApplication:
    """The ledger on the configured store, with its master key; for the service and the CLI.

    With `create=False` a store that is not there is refused, not made: a command that inspects
    a ledger would otherwise report on an empty one it had just created in a mistyped schema.
    """
    store_settings = settings_for_url(settings.store_url)  # first: it makes a private data dir
    store_settings["POSTGRES_CONNECT_TIMEOUT"] = str(settings.db_timeout)
    if not create and not store_in_place(store_settings, f"{LedgerApplication.name}_events"):
        raise NotFoundError(f"no ledger in schema {schema_name(store_settings)}")
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
