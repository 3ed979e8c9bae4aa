"""The problem types the service answers with: one URI (`/problems/<slug>`), one fixed title each.

A problem's `type` is `/problems/<slug>` (a reference relative to the service, RFC 9457 §3.1.1),
and that address serves a short page saying what the problem means and what to do about it.
Its `title` is the type's, never the instance's: what varies goes in `detail`, `field`, `errors`.
"""

from dataclasses import dataclass
from http import HTTPStatus


@dataclass(frozen=True)
class ProblemType:
    """A kind of problem: its title and what a client should know about it."""

    slug: str
    title: str
    explanation: str

    @property
    def uri(self) -> str:
        return f"/problems/{self.slug}"


_TYPES = (
    ProblemType(
        "invalid-request",
        "Invalid request",
        "A parameter, a header or the body is malformed or out of range (400), or a value is "
        "well formed but not one the ledger takes, an unknown category say (422). `field` names "
        "the first offending field and `errors` lists every one. Correct the request; sending it "
        "again unchanged gets the same answer.",
    ),
    ProblemType(
        "unauthorized",
        "Unauthorized",
        "No bearer token, or one that is unknown, expired or revoked. Send "
        "`Authorization: Bearer <token>`; an administrator issues tokens.",
    ),
    ProblemType(
        "forbidden",
        "Forbidden",
        "The token is valid but none of its roles may do this (the policy table). Records "
        "outside the caller's scope are answered as not found instead, so as not to reveal them.",
    ),
    ProblemType(
        "not-found",
        "Not found",
        "No record, or no page, at this address that the caller may see.",
    ),
    ProblemType(
        "method-not-allowed",
        "Method not allowed",
        "The address exists but does not take this method; the `Allow` header lists those it "
        "takes.",
    ),
    ProblemType(
        "not-acceptable",
        "Not acceptable",
        "The service cannot answer in any media type the `Accept` header allows.",
    ),
    ProblemType(
        "command-refused",
        "Command refused",
        "The record's current state forbids this command (closing an unresolved complaint, "
        "say); `detail` says why and `field` names the field involved, if one is. Read the "
        "record and act on its state.",
    ),
    ProblemType(
        "concurrent-modification",
        "Concurrent modification",
        "Another write to the same record was stored first; nothing was stored. Read the record "
        "again and decide whether to retry.",
    ),
    ProblemType(
        "request-in-progress",
        "Request in progress",
        "A request with this `Idempotency-Key` is still running; retry after `Retry-After` "
        "seconds to get its answer.",
    ),
    ProblemType(
        "request-already-answered",
        "Request already answered",
        "The request with this `Idempotency-Key` stored its changes, but its answer cannot be "
        "given again (it held a secret shown once, or it was lost); read the record instead.",
    ),
    ProblemType(
        "idempotency-key-reused",
        "Idempotency key reused",
        "This `Idempotency-Key` was used by the same caller for a different request (another "
        "method, address or body). Use a new key for a new request.",
    ),
    ProblemType(
        "subject-erased",
        "Subject erased",
        "The person was erased: the ledger holds no readable data of theirs any more, and never "
        "will again (410). Their records remain, masked.",
    ),
    ProblemType(
        "precondition-failed",
        "Precondition failed",
        "`If-Match` named a version of the record that is no longer current: someone changed it "
        "since you read it. Nothing was stored. The `ETag` header carries the current entity "
        "tag; read the record, decide again, and send the new tag.",
    ),
    ProblemType(
        "precondition-required",
        "Precondition required",
        "This deployment requires `If-Match` on every command to a record (so that no one "
        "overwrites a change they have not seen). Read the record and send its `ETag`.",
    ),
    ProblemType(
        "body-too-large",
        "Request body too large",
        "The body is larger than the configured limit (`LEDGER_MAX_BODY_BYTES`).",
    ),
    ProblemType(
        "unsupported-media-type",
        "Unsupported media type",
        "The body is not JSON. Send it with `Content-Type: application/json`; the `Accept` "
        "header of the answer lists the media types taken.",
    ),
    ProblemType(
        "too-many-failed-authentications",
        "Too many failed authentications",
        "Too many invalid tokens came from this client address within the window; try again "
        "after `Retry-After` seconds. Other addresses are not affected.",
    ),
    ProblemType(
        "service-unavailable",
        "Service unavailable",
        "The ledger's database is unavailable, busy or too slow; nothing was stored. Retry "
        "after `Retry-After` seconds (with the same `Idempotency-Key`).",
    ),
    ProblemType(
        "internal-error",
        "Internal server error",
        "The service failed in a way it did not foresee; the failure is logged (without data). "
        "Retrying with the same `Idempotency-Key` is safe.",
    ),
)
PROBLEM_TYPES: dict[str, ProblemType] = {t.slug: t for t in _TYPES}
# The type of a problem known only by its status (werkzeug's own errors, the shared responses).
BY_STATUS: dict[int, str] = {
    400: "invalid-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "command-refused",
    410: "subject-erased",
    412: "precondition-failed",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
    428: "precondition-required",
    429: "too-many-failed-authentications",
    503: "service-unavailable",
}


def type_for_status(status: int) -> ProblemType:
    """The type a bare status stands for; any other 4xx or 5xx is named by its status."""
    slug = BY_STATUS.get(status)
    if slug is not None:
        return PROBLEM_TYPES[slug]
    if status >= 500:
        return PROBLEM_TYPES["internal-error"]
    return ProblemType(f"http-{status}", HTTPStatus(status).phrase, "See RFC 9110.")


def page(problem_type: ProblemType) -> str:
    """The plain-text page served at the type's URI."""
    return f"{problem_type.title}\n\n{problem_type.explanation}\n"
