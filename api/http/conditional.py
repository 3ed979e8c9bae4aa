"""Conditional requests (RFC 9110 §8.8, §13): entity tags, `If-Match` on commands, 304 on reads.

A record's JSON is one representation per stream version and per way the caller's role sees
personal data (full, masked, none), so its strong entity tag is `"<version>-<visibility>-json"`:
two roles never share a tag for different bodies. Any other successful read gets a strong tag
hashed from its body. Every `/v1` answer varies by `Authorization`; one that showed personal data
may not be stored by any cache (`no-store`), the rest only by the caller's (`private, no-cache`).

A command on a record (a POST or DELETE whose path names one) with `If-Match` runs only if a tag
matches the record as the caller would read it now; else 412 with the current `ETag`, nothing
stored. The record compared is the very one the command then acts on (`RequestScope.loaded`),
so a write between the check and the save is refused by the save (409), never applied blind.
Without `If-Match` the command runs, unless `LEDGER_REQUIRE_IF_MATCH` asks for 428.

A GET with `If-None-Match` matching the answer's tag is answered 304 without a body.
"""

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from eventsourcing.domain import Aggregate
from flask import Response, current_app, request
from werkzeug.http import http_date, parse_etags, quote_etag

from api.http.problems import problem
from api.http.request_state import request_state
from ledger.access.policy import visibility_for

MEDIA = "json"
MAX_TAGS_LENGTH = 1024
# Answers that keep these headers when turned into a 304 (RFC 9110 §15.4.5).
_KEPT_ON_304 = ("ETag", "Vary", "Cache-Control", "Last-Modified", "Content-Location", "Expires")


def record_etag(aggregate: Aggregate) -> str:
    """The strong tag of `aggregate`'s JSON as the caller's role is shown it."""
    actor = request_state().actor
    visibility = visibility_for(actor.role if actor else "")
    return quote_etag(f"{aggregate.version}-{visibility}-{MEDIA}")


def entry_etag(entry: Mapping[str, Any]) -> str:
    """The strong tag of an entry kept without versions (a staff member): its fields hashed."""
    digest = hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()
    return quote_etag(f"{digest[:32]}-{MEDIA}")


def remember(aggregate: Aggregate) -> None:
    """The answer shows `aggregate`: tag it, and say when it last changed."""
    state = request_state()
    state.etag = record_etag(aggregate)
    state.last_modified = http_date(aggregate.modified_on)


def refuse_long_tags() -> Response | None:
    """400 for an If-Match or If-None-Match longer than any list of our tags needs."""
    for name in ("If-Match", "If-None-Match"):
        if len(request.headers.get(name, "")) > MAX_TAGS_LENGTH:
            return problem(
                400,
                "invalid-request",
                f"{name} is longer than {MAX_TAGS_LENGTH} characters.",
                field=name,
            )
    return None


def check_if_match() -> Response | None:
    """Before a command on a record: 412 if `If-Match` names no current representation."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    facts = request_state().facts
    record = facts.named_record() if facts is not None else None
    if record is None:
        return None  # a creation, or no record in the path: nothing to compare with
    return check_tag(record_etag(record))


def check_tag(current: str | None) -> Response | None:
    """412 unless `If-Match` names `current`, the tag of the entry as it is now (None: there is
    no such entry, which `*` does not match either); 428 without one if the deployment says so."""
    header = request.headers.get("If-Match")
    if header is None:
        if current_app.extensions.get("require_if_match"):
            return problem(
                428,
                "precondition-required",
                "Send If-Match with the ETag of the record as you last read it.",
                field="If-Match",
            )
        return None
    tags = parse_etags(header)
    # Strong comparison (§13.1.1): a weak tag never matches; `*` matches any existing record.
    if current is not None and (tags.star_tag or tags.contains(current.strip('"'))):
        return None
    headers = {"ETag": current} if current is not None else None
    return problem(
        412,
        "precondition-failed",
        "The record changed since the version If-Match names; nothing was stored.",
        field="If-Match",
        headers=headers,
    )


def finish(response: Response) -> Response:
    """After a `/v1` request: tags, validators, caching rules, and 304 for a fresh copy."""
    if not request.path.startswith("/v1/"):
        return response
    state = request_state()
    response.vary.add("Authorization")
    ok = 200 <= response.status_code < 300
    if ok and state.etag:
        response.headers["ETag"] = state.etag
        if state.last_modified:
            response.headers["Last-Modified"] = state.last_modified
    elif ok and request.method == "GET" and not response.direct_passthrough:
        response.add_etag()  # a SHA-1 of the body: strong, as the bytes are the same
    if state.showed_personal:
        response.headers["Cache-Control"] = "no-store"
    elif "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-cache"
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        return _not_modified(response)
    return response


def _not_modified(response: Response) -> Response:
    """304 when `If-None-Match` names the answer's tag (weak comparison, §13.1.2)."""
    header = request.headers.get("If-None-Match")
    current = response.headers.get("ETag")
    if header is None or current is None:
        return response
    tags = parse_etags(header)
    tag = current.removeprefix("W/").strip('"')
    if not (tags.star_tag or tags.contains_weak(tag)):
        return response
    not_modified = Response(status=304)
    for name in _KEPT_ON_304:
        if name in response.headers:
            not_modified.headers[name] = response.headers[name]
    return not_modified
