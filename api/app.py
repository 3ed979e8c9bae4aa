"""The composition root: build the ledger, its projections and the Flask app around them."""

import logging
from typing import Any

from flask import Flask, Response, g, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from api import (
    audit,
    complaints,
    escalations,
    handoffs,
    health,
    idempotency,
    incidents,
    integrity,
    retention,
    subjects,
)
from api.config import Settings
from api.identity import resolve_actor
from api.integrity_setup import CheckpointJob, build_integrity
from api.presenters import write_access_log
from api.problems import from_http_exception, from_ledger_error, from_unexpected
from api.retention_setup import RetentionJob, build_retention, load_rules
from ledger.application import LedgerApplication
from ledger.clock import Clock
from ledger.errors import LedgerError
from ledger.policy import load_policy
from ledger.store.settings import settings_for_url
from privacy.master_key import load_keyring
from projections.handoff_queue import HandoffQueueProjection, handoff_queue_view_for

log = logging.getLogger(__name__)


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, answering every HTTP error as RFC 9457 problem details."""

    def handle_http_exception(self, error: HTTPException) -> Response:
        return from_http_exception(error)


def build_ledger(settings: Settings, *, clock: Clock | None = None) -> LedgerApplication:
    """The ledger on the configured store, with its master key; for the service and the CLI."""
    keyring, warning = load_keyring(
        settings.master_key_settings, settings.data_dir, generate_if_missing=settings.embedded
    )
    if warning:
        log.warning(warning)
    return LedgerApplication(
        settings_for_url(settings.store_url),
        keyring=keyring,
        policy=load_policy(settings.policy_file),
        clock=clock,
        group_commit=settings.group_commit,
    )


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Flask:
    """Build the service; raises `PolicyError` or `MasterKeyError` (one line) for a bad setting."""
    settings = settings or Settings.from_env()
    retention_rules = load_rules(settings)  # refused before anything is opened
    ledger = build_ledger(settings, clock=clock)
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Complaint and incident audit ledger",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the schemas' field order
    app.extensions["ledger"] = ledger
    app.extensions["handoff_queue"] = HandoffQueueProjection(
        handoff_queue_view_for(ledger.recorder.datastore)  # type: ignore[attr-defined]
    )
    app.extensions["integrity"] = build_integrity(settings, ledger)
    if settings.checkpoint_interval:
        job = CheckpointJob(app.extensions["integrity"], settings.checkpoint_interval)
        app.extensions["checkpoint_job"] = job
        job.start()
    app.extensions["retention"] = build_retention(
        ledger, app.extensions["integrity"], retention_rules
    )
    if settings.retention_interval:
        retention_job = RetentionJob(app.extensions["retention"], settings.retention_interval)
        app.extensions["retention_job"] = retention_job
        retention_job.start()
    api = ProblemApi(app)
    for blueprint in (
        health.blp,
        complaints.blp,
        escalations.blp,
        handoffs.blp,
        subjects.blp,
        audit.blp,
        incidents.blp,
        integrity.blp,
        retention.blp,
    ):
        api.register_blueprint(blueprint)

    app.before_request(_identify_and_claim)
    idempotency.install(app)
    app.after_request(_add_etag)
    app.after_request(_log_access)
    app.register_error_handler(LedgerError, from_ledger_error)
    app.register_error_handler(Exception, _unexpected)
    return app


def _identify_and_claim() -> Any:
    if not request.path.startswith("/v1/"):
        return None
    return resolve_actor() or idempotency.claim_key()


def _add_etag(response: Response) -> Response:
    etag = g.get("etag")
    if etag and response.status_code < 300:
        response.headers["ETag"] = etag
    return response


def _log_access(response: Response) -> Response:
    write_access_log()
    return response


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return from_http_exception(error)
    return from_unexpected(error)


__all__ = ["build_ledger", "create_app"]
