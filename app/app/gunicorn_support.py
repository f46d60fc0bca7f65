"""What gunicorn.conf.py plugs into gunicorn: JSON logs and JSON error pages.

Kept apart from the Flask app so the app does not depend on the server.
"""

from __future__ import annotations

import json
import uuid

from gunicorn import glogging, util

from .logs import stdout_handler
from .security import SECURITY_HEADERS


class GunicornJsonLogger(glogging.Logger):
    """gunicorn's error and access logs as JSON lines on stdout."""

    def setup(self, cfg):
        super().setup(cfg)
        handler = stdout_handler()
        for log in (self.error_log, self.access_log):
            for old in list(log.handlers):
                log.removeHandler(old)
            log.addHandler(handler)
            log.propagate = False

    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog:
            return
        headers = {name.lower(): value for name, value in resp.headers}
        status = str(resp.status).split(None, 1)[0]
        self.access_log.info(
            "%s %s %s",
            environ.get("REQUEST_METHOD"),
            environ.get("RAW_URI") or environ.get("PATH_INFO"),
            status,
            extra={
                "request_id": headers.get("x-request-id"),
                "http": {
                    "method": environ.get("REQUEST_METHOD"),
                    "path": environ.get("PATH_INFO"),
                    "query": environ.get("QUERY_STRING") or None,
                    "status": int(status) if status.isdigit() else status,
                    "bytes": getattr(resp, "sent", None),
                    "duration_ms": round(request_time.total_seconds() * 1000, 3),
                    "remote_addr": environ.get("REMOTE_ADDR"),
                    "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
                    "user_agent": environ.get("HTTP_USER_AGENT"),
                    "protocol": environ.get("SERVER_PROTOCOL"),
                },
            },
        )


def _write_json_error(sock, status_int, reason, mesg):
    # gunicorn answers requests it cannot parse (bad request line, oversized
    # headers) itself, before the app sees them, with an HTML page. The
    # message can quote what the client sent, so only the reason goes out.
    body = json.dumps(
        {"error": reason.lower().replace(" ", "_"), "message": reason, "request_id": uuid.uuid4().hex}
    ).encode()
    head = [
        f"HTTP/1.1 {status_int} {reason}",
        "Connection: close",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ] + [f"{name}: {value}" for name, value in SECURITY_HEADERS]
    util.write_nonblock(sock, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def install_json_error_pages() -> None:
    """Replace gunicorn's HTML error page writer (workers look it up at call time)."""
    util.write_error = _write_json_error
