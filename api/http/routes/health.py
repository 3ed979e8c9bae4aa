"""`GET /health`: answers without authentication, for load balancers and operators."""

from typing import Any

from api.http.blueprint import Blueprint
from api.http.presenters import ledger
from api.http.problem_docs import problems
from api.http.schemas import health as health_schemas

blp = Blueprint("health", __name__, description="Service health")


@blp.route("/health", methods=["GET"])
@blp.response(200, health_schemas.HealthOut)
@problems(blp, 503)
def health() -> Any:
    """Is the service up and its store reachable?"""
    ledger().recorder.max_notification_id()
    return {"status": "ok", "store": "postgresql"}
