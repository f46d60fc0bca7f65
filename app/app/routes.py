"""The HTTP API. Every answer is JSON; errors are raised and rendered in __init__.py."""

from __future__ import annotations

import contextvars
import json
import re
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timezone
from typing import Any, Dict, Optional

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import ApiError, DependencyUnavailable

bp = Blueprint("api", __name__)

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 64
PAGE_DEFAULT = 20
PAGE_MAX = 100
_DIGITS = re.compile(r"[0-9]{1,18}")


def resources():
    return current_app.extensions["flask_multicloud"]


# --- service ---------------------------------------------------------------


@bp.get("/")
def index():
    settings = resources().settings
    return jsonify(service=settings.app_name, version=settings.app_version, environment=settings.app_env)


@bp.get("/healthz")
def healthz():
    # Liveness only: a dependency outage must not make the platform restart
    # healthy instances, which would not bring the dependency back. The one
    # exception is credentials the database keeps rejecting: the password was
    # injected when this instance started and has since been rotated, and only
    # a new instance gets the current one (see liveness.py). Reading that
    # verdict is a few bytes of memory; /healthz still touches no dependency.
    rejected = resources().credentials.verdict()
    if rejected is not None:
        return jsonify(status="credentials_rejected", **rejected), 503
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    res = resources()
    timeout = res.settings.readiness_timeout_seconds
    checks: Dict[str, Dict[str, Any]] = {}
    probes = {}
    if res.settings.database is not None:
        probes["database"] = res.db.ping
    else:
        checks["database"] = {"status": "not_configured"}
    if res.settings.redis is not None:
        probes["redis"] = res.cache.ping
    else:
        checks["redis"] = {"status": "not_configured"}

    if probes:
        # Probes run side by side so one slow dependency cannot hide another's
        # state, and the answer comes within `timeout` whatever happens.
        executor = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="readyz")
        futures = {
            name: executor.submit(contextvars.copy_context().run, _timed, probe)
            for name, probe in probes.items()
        }
        done, _ = wait(futures.values(), timeout=timeout)
        executor.shutdown(wait=False)
        for name, future in futures.items():
            if future not in done:
                checks[name] = {"status": "fail", "reason": "timeout"}
                continue
            error = future.exception()
            if error is None:
                checks[name] = {"status": "ok", "latency_ms": future.result()}
            elif isinstance(error, DependencyUnavailable):
                current_app.logger.warning("readiness: %s", error)
                checks[name] = {"status": "fail", "reason": error.reason}
            else:
                current_app.logger.error("readiness: %s check raised", name, exc_info=error)
                checks[name] = {"status": "fail", "reason": "error"}

    failed = sorted(name for name, check in checks.items() if check["status"] == "fail")
    body = {"status": "unavailable" if failed else "ready", "checks": checks}
    if failed:
        body["failed"] = failed
    return jsonify(body), 503 if failed else 200


def _timed(probe) -> float:
    started = time.perf_counter()
    probe()
    return round((time.perf_counter() - started) * 1000, 3)


# --- users -----------------------------------------------------------------


def _iso(moment: Optional[datetime]) -> Optional[str]:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _user_json(row: Dict[str, Any]) -> Dict[str, Any]:
    return {"id": row["id"], "username": row["username"], "created_at": _iso(row["created_at"])}


def _positive_int_arg(name: str, default: Optional[int], lo: int, hi: int) -> Optional[int]:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not lo <= int(raw) <= hi:
        raise ApiError(400, "invalid_query", f"Bad query parameter {name!r}",
                       {name: f"must be an integer from {lo} to {hi}"})
    return int(raw)


@bp.get("/api/users")
def list_users():
    limit = _positive_int_arg("limit", PAGE_DEFAULT, 1, PAGE_MAX)
    before = _positive_int_arg("before", None, 1, 2**63 - 1)
    rows = resources().db.list_users(limit=limit, before=before)
    # Keyset pagination: stable while users are being added, unlike OFFSET.
    next_before = rows[-1]["id"] if len(rows) == limit else None
    return jsonify(users=[_user_json(r) for r in rows], next_before=next_before)


def _read_json_object() -> Dict[str, Any]:
    if not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json")
    raw = _read_body(resources().settings.max_body_bytes)
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object")
    return body


def _read_body(limit: int) -> bytes:
    """The request body, or 413 past `limit` bytes. Content-Length was checked
    before the view ran; a chunked body has none, so it is read until it ends
    or one byte past the limit. One read may return less than asked for
    (Werkzeug 3 wraps the stream so), hence the loop; and Werkzeug 3 itself
    raises RequestEntityTooLarge once MAX_CONTENT_LENGTH is reached."""
    too_large = ApiError(413, "payload_too_large", f"The request body must be at most {limit} bytes")
    wanted = request.content_length if request.content_length is not None else limit + 1
    raw = bytearray()
    try:
        stream = request.stream
        while len(raw) < wanted:
            chunk = stream.read(wanted - len(raw))
            if not chunk:
                break
            raw += chunk
    except RequestEntityTooLarge:
        raise too_large from None
    if len(raw) > limit:
        raise too_large
    return bytes(raw)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def validate_username(value: Any) -> str:
    """A username is text a person can read: NFC-normalised so look-alike
    encodings cannot register twice, with no control or invisible characters
    and no surrounding whitespace. Anything else, SQL included, is data."""
    if not isinstance(value, str):
        raise ApiError(400, "validation_failed", "Invalid username", {"username": "must be a string"})
    value = unicodedata.normalize("NFC", value)
    problem = None
    if not USERNAME_MIN_LENGTH <= len(value) <= USERNAME_MAX_LENGTH:
        problem = f"must be {USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters long"
    elif value != value.strip():
        problem = "must not start or end with whitespace"
    elif any(unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") for c in value):
        problem = "must not contain control or invisible characters"
    if problem:
        raise ApiError(400, "validation_failed", "Invalid username", {"username": problem})
    return value


@bp.post("/api/users")
def create_user():
    body = _read_json_object()
    unknown = sorted(set(body) - {"username"})
    if unknown:
        raise ApiError(400, "validation_failed", "Unknown fields", {k: "unknown field" for k in unknown})
    if "username" not in body:
        raise ApiError(400, "validation_failed", "Missing username", {"username": "is required"})
    username = validate_username(body["username"])
    res = resources()
    row = res.db.create_user(username, job_status="queued" if res.broker.configured else "not_queued")
    if row is None:
        raise ApiError(409, "duplicate", "That username is already taken", {"username": "already exists"})
    job = {"id": row["job_id"], "status": "queued"}
    if not res.broker.configured:
        job.update(status="not_queued", reason="redis_not_configured")
    else:
        # After the commit: a worker must find the rows the message names.
        # The user exists whatever happens here, so a queue that cannot be
        # reached is reported in the answer, not as an error.
        try:
            res.broker.publish(row["job_id"])
        except DependencyUnavailable as exc:
            current_app.logger.warning("welcome job %s not queued: %s", row["job_id"], exc.detail,
                                       extra={"job_id": row["job_id"]})
            job.update(status="not_queued", reason="redis_unavailable")
            try:
                res.db.mark_job_not_queued(row["job_id"], "redis_unavailable")
            except DependencyUnavailable:
                pass  # the row says queued; the answer says what happened
    return jsonify({**_user_json(row), "welcome_job": job}), 201


@bp.get("/api/users/<int(min=1, max=9223372036854775807):user_id>")
def get_user(user_id: int):
    row = resources().db.get_user(user_id)
    if row is None:
        raise ApiError(404, "not_found", f"No user with id {user_id}")
    job = {"id": row["job_id"], "status": row["job_status"]} if row["job_id"] is not None else None
    return jsonify({
        **_user_json(row),
        "welcome_message": row["welcome_message"],
        "welcomed_at": _iso(row["welcomed_at"]),
        "welcome_job": job,
    })


@bp.get("/api/jobs/<int(min=1, max=9223372036854775807):job_id>")
def get_job(job_id: int):
    row = resources().db.get_job(job_id)
    if row is None:
        raise ApiError(404, "not_found", f"No job with id {job_id}")
    return jsonify({
        "id": row["id"],
        "kind": row["kind"],
        "user_id": row["user_id"],
        "status": row["status"],
        "attempts": row["attempts"],
        "error": row["error"],
        "created_at": _iso(row["created_at"]),
        "started_at": _iso(row["started_at"]),
        "finished_at": _iso(row["finished_at"]),
    })


@bp.get("/api/stats")
def stats():
    row = resources().db.stats()
    return jsonify(
        users=row["users"],
        users_last_24h=row["users_last_24h"],
        latest_user_at=_iso(row["latest_user_at"]),
    )


@bp.get("/api/cache-test")
def cache_test():
    return jsonify(counter=resources().cache.increment("cache-test"))
