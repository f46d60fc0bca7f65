"""Response headers every answer carries, and the request id."""

from __future__ import annotations

import re
import uuid

# A JSON API is never framed, never rendered as HTML and never cached by
# shared caches; these headers say so to browsers and proxies.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)
# Sent only when the client reached the load balancer over HTTPS: a browser
# ignores HSTS on plain HTTP, and local HTTP development must keep working.
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is reused (so a caller can follow its request through the
# logs) only if it cannot smuggle anything into a log line or a header.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(incoming) -> str:
    if incoming and _SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def came_over_https(forwarded_proto, scheme: str) -> bool:
    """ALB and Cloud Run terminate TLS and say so in X-Forwarded-Proto. With
    several proxies the header is a list; the first entry is the client's."""
    if forwarded_proto:
        return forwarded_proto.split(",")[0].strip().lower() == "https"
    return scheme == "https"
