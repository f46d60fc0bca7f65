"""Exceptions the routes raise, each mapped to one JSON answer in __init__.py."""

from __future__ import annotations

from typing import Mapping, Optional


class ApiError(Exception):
    """A client error with a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str, fields: Optional[Mapping[str, str]] = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields) if fields else None


class DependencyUnavailable(Exception):
    """A dependency is not configured, unreachable, too slow or failing.

    Answered with 503: the request may succeed later, on this instance or
    another, and the platform's retry and health logic knows what 503 means.
    `reason` is short and safe to show; details go to the log only.
    """

    def __init__(self, dependency: str, reason: str, detail: str = ""):
        super().__init__(f"{dependency}: {reason}{f' ({detail})' if detail else ''}")
        self.dependency = dependency
        self.reason = reason
        self.detail = detail


class NotConfigured(DependencyUnavailable):
    def __init__(self, dependency: str, how: str):
        super().__init__(dependency, "not_configured", how)


class SchemaNotReady(DependencyUnavailable):
    """The database is reachable but its schema is behind this release:
    the release command (`python -m app.migrate`) has not applied `pending`."""

    def __init__(self, pending):
        super().__init__("database", "schema_not_ready", f"pending migrations: {', '.join(pending)}")
        self.pending = list(pending)
