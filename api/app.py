"""The composition root: build the ledger, its projections and the Flask app around them."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from api import console
from api.background import BackgroundJobs, Job
from api.config import Settings
from api.http import conditional, idempotency, paths
from api.http.access import AccessControl, guard, record_operation
from api.http.body_limits import LedgerRequest, refuse_bad_body
from api.http.identity import TokenSource
from api.http.json_codec import OrjsonProvider
from api.http.limiter import FailureLimiter
from api.http.openapi_api import ProblemApi, answer_error
from api.http.openapi_http import HttpSemanticsPlugin
from api.http.pagination import Cursors
from api.http.problem_docs import BEARER, BEARER_SCHEME, BodyLimitPlugin
from api.http.problems import (
    from_ledger_error,
)
from api.http.reveals import write_access_log
from api.http.routes import (
    analytics,
    audit,
    cases,
    complaints,
    escalations,
    handoffs,
    health,
    incidents,
    integrity,
    notifications,
    operations,
    problem_pages,
    retention,
    staff,
    subjects,
    tlog,
    tokens,
    webhooks,
    worklists,
)
from api.wiring.audit import operation_log
from api.wiring.integrity import CheckpointJob, build_integrity
from api.wiring.ledger import build_ledger
from api.wiring.notifications import NotifierJob, build_notifications
from api.wiring.retention import RetentionJob, build_retention, load_rules
from ledger.access.grants import TokenGrants
from ledger.access.tokens import TokenStore
from ledger.application.service import LedgerApplication
from ledger.clock import Clock
from ledger.errors import LedgerError
from projections.engine.worker import ProjectionWorker

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    background: bool | None = None,
) -> Flask:
    """Build the service; raises `PolicyError` or `MasterKeyError` (one line) for a bad setting.

    With `background`, the background jobs run (in one process of all that serve the ledger,
    `api.background`): with in-process projections a worker thread keeps the views current and
    runs the escalation process; checkpoints and retention runs every so often, if set. By
    default they run unless a clock is injected: whoever moves time by hand drives them too.
    """
    settings = settings or Settings.from_env()
    retention_rules = load_rules(settings)  # refused before anything is opened
    ledger = build_ledger(settings, clock=clock)
    app = Flask(__name__)
    app.request_class = LedgerRequest  # every JSON body read one way (api.http.body_limits)
    if settings.trusted_proxies:
        # The client address (what the bad-token limiter counts by) is the one the nearest
        # trusted proxy saw; addresses further left in X-Forwarded-For are the client's to forge.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config.update(
        API_TITLE="Complaint and incident audit ledger",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
    )
    paths.install(app.url_map)
    app.json = OrjsonProvider(app)  # keeps the schemas' field order
    app.extensions["ledger"] = ledger
    app.extensions["retry_after"] = settings.retry_after
    app.extensions["two_person_rule"] = settings.two_person_rule
    app.extensions["reports_dir"] = settings.reports_dir
    app.extensions["require_if_match"] = settings.require_if_match
    cases.install(app, ledger, mode=settings.projections)
    token_store = TokenGrants(ledger, TokenStore(ledger.recorder.datastore))  # type: ignore[attr-defined]
    app.extensions["access"] = AccessControl(
        sources=[TokenSource(token_store)],
        tokens=token_store,
        limiter=FailureLimiter(
            max_failures=settings.auth_max_failures,
            window=timedelta(seconds=settings.auth_failure_window_seconds),
        ),
        oplog=operation_log(ledger, settings),
    )
    app.extensions["integrity"] = build_integrity(settings, ledger, app.extensions["access"].oplog)
    app.extensions["cursors"] = Cursors.for_settings(settings)  # after integrity made its key
    app.extensions["retention"] = build_retention(
        ledger, app.extensions["integrity"], retention_rules, app.extensions["access"].oplog
    )
    app.extensions["notifications"] = build_notifications(
        settings, ledger, app.extensions["read_side"]
    )
    if clock is None if background is None else background:
        _start_background_jobs(app, settings)
    api = ProblemApi(
        app,
        policy=ledger.policy,
        spec_kwargs={"extra_plugins": [BodyLimitPlugin(), HttpSemanticsPlugin()]},
    )
    api.spec.components.security_scheme(BEARER, BEARER_SCHEME)
    for blueprint in (
        health.blp,
        complaints.blp,
        escalations.blp,
        handoffs.blp,
        subjects.blp,
        audit.blp,
        cases.blp,
        incidents.blp,
        tokens.blp,
        operations.blp,
        integrity.blp,
        tlog.blp,
        retention.blp,
        staff.blp,
        webhooks.blp,
        notifications.blp,
        worklists.blp,
        analytics.blp,
        problem_pages.blp,
    ):
        api.register_blueprint(blueprint)
    console.install(app, settings)

    app.before_request(_identify_and_claim)
    idempotency.install(app, lease=settings.claim_lease)
    app.after_request(_log_access)
    app.after_request(record_operation)
    app.after_request(conditional.finish)  # runs first: the log and the replay see its answer
    app.register_error_handler(LedgerError, from_ledger_error)
    app.register_error_handler(Exception, answer_error)
    return app


def _start_background_jobs(app: Flask, settings: Settings) -> None:
    ledger: LedgerApplication = app.extensions["ledger"]
    integrity = app.extensions["integrity"]
    retention_run = app.extensions["retention"]
    factories: list[Callable[[], Job]] = []
    if settings.projections == "inprocess":
        factories.append(lambda: ProjectionWorker(app.extensions["read_side"]))
    if settings.checkpoint_interval:
        factories.append(lambda: CheckpointJob(integrity, settings.checkpoint_interval))
    if settings.retention_interval:
        factories.append(lambda: RetentionJob(retention_run, settings.retention_interval))
    if settings.notify_interval:
        notifier = app.extensions["notifications"].notifier
        factories.append(lambda: NotifierJob(notifier, settings.notify_interval))
    if factories:
        jobs = BackgroundJobs(factories, env=ledger.env)
        app.extensions["background_jobs"] = jobs
        jobs.start()


def close_app(app: Flask) -> None:
    """Stop the app's background jobs, then close its store: no job outlives its connections."""
    jobs: BackgroundJobs | None = app.extensions.get("background_jobs")
    if jobs is not None:
        jobs.stop()
    app.extensions["ledger"].close()


def _identify_and_claim() -> Any:
    if not request.path.startswith("/v1/"):
        return None
    if refused := guard():
        return refused
    refuse_bad_body()
    return conditional.refuse_long_tags() or idempotency.check_key() or conditional.check_if_match()


def _log_access(response: Response) -> Response:
    write_access_log()
    return response


__all__ = ["build_ledger", "create_app"]
