"""Application factory.

create_app() reads no socket and opens no connection: it wires objects that
connect on first use, so the service starts (and /healthz answers) in the
same fraction of a second whether or not its dependencies are up.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Optional

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .config import Settings, load_settings
from .errors import ApiError, DependencyUnavailable, NotConfigured, SchemaNotReady
from .liveness import CredentialsWatch
from .logs import configure_logging
from .routes import bp
from .security import HSTS, REQUEST_ID_HEADER, SECURITY_HEADERS, came_over_https, request_id_from

__all__ = ["create_app"]

log = logging.getLogger("app")


class Resources:
    """The app's dependencies. The driver modules (psycopg, redis) are
    imported on first use: they take longer to import than Flask itself, and
    /healthz, which answers first after a start, needs neither."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._broker_lock = threading.Lock()
        self._db = None
        self._cache = None
        self._broker = None
        # Made here, in gunicorn's master (the app is preloaded), so that every
        # forked worker shares it; see liveness.py.
        database = settings.database
        self.credentials = CredentialsWatch(
            threshold=database.auth_failure_threshold if database else 0,
            min_seconds=database.auth_failure_min_seconds if database else 0.0,
        )

    @property
    def db(self):
        if self._db is None:
            with self._lock:
                if self._db is None:
                    from .db import Database

                    self._db = Database(self.settings.database, credentials=self.credentials,
                                        migrations_dir=self.settings.migrations_dir)
        return self._db

    @property
    def cache(self):
        if self._cache is None:
            with self._lock:
                if self._cache is None:
                    from .cache import Cache

                    self._cache = Cache(self.settings.redis, key_prefix=self.settings.app_name)
        return self._cache

    @property
    def broker(self):
        if self._broker is None:
            # Its own lock: importing kombu must not hold up /readyz, which
            # takes the other one.
            with self._broker_lock:
                if self._broker is None:
                    from .broker import Broker

                    self._broker = Broker(self.settings.redis, app_name=self.settings.app_name)
        return self._broker

    def warm_up(self) -> None:
        """Import the drivers of configured dependencies ahead of the first
        request that needs them. Connects to nothing."""
        if self.settings.database is not None:
            _ = self.db
        if self.settings.redis is not None:
            _ = self.cache
        # The queue's driver (kombu) is left to the first POST /api/users:
        # importing it here too competes with the first /readyz for the CPU.

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        if self._cache is not None:
            self._cache.close()
        if self._broker is not None:
            self._broker.close()


def create_app(settings: Optional[Settings] = None) -> Flask:
    settings = load_settings() if settings is None else settings
    configure_logging(settings.log_level)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.json.compact = True
    app.extensions["flask_multicloud"] = Resources(settings)
    app.register_blueprint(bp)
    _register_hooks(app, settings)
    _register_error_handlers(app)

    log.info(
        "app configured",
        extra={
            "service": settings.app_name,
            "version": settings.app_version,
            "environment": settings.app_env,
            "database": settings.database.description if settings.database else None,
            "redis": settings.redis.description if settings.redis else None,
        },
    )
    return app


def _register_hooks(app: Flask, settings: Settings) -> None:
    @app.before_request
    def start_request():
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.started = time.perf_counter()
        length = request.content_length
        if length is not None and length > settings.max_body_bytes:
            raise ApiError(413, "payload_too_large",
                           f"The request body must be at most {settings.max_body_bytes} bytes")

    @app.after_request
    def add_headers(response):
        for name, value in SECURITY_HEADERS:
            response.headers.setdefault(name, value)
        if came_over_https(request.headers.get("X-Forwarded-Proto"), request.scheme):
            response.headers.setdefault(*HSTS)
        request_id = getattr(g, "request_id", None)
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response


def _error(status: int, code: str, message: str, **extra):
    body = {"error": code, "message": message, **extra, "request_id": getattr(g, "request_id", None)}
    return jsonify(body), status


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        extra = {"fields": exc.fields} if exc.fields else {}
        return _error(exc.status, exc.code, exc.message, **extra)

    @app.errorhandler(DependencyUnavailable)
    def dependency_unavailable(exc: DependencyUnavailable):
        if isinstance(exc, NotConfigured):
            return _error(503, f"{exc.dependency}_not_configured",
                          f"No {exc.dependency} is configured: {exc.detail}.")
        if isinstance(exc, SchemaNotReady):
            # Not an outage: the release step has not run (or is running).
            log.warning("database schema not ready: %s", exc.detail, extra={"pending": exc.pending})
            response, status = _error(
                503, "schema_not_ready",
                "The database schema is older than this release: the release command "
                "(python -m app.migrate) has not applied its migrations yet.",
                pending_migrations=exc.pending)
            response.headers["Retry-After"] = "5"
            return response, status
        log.warning("%s unavailable: %s", exc.dependency, exc.reason,
                    extra={"dependency": exc.dependency, "reason": exc.reason, "detail": exc.detail})
        response, status = _error(503, f"{exc.dependency}_unavailable",
                                  f"The {exc.dependency} is unavailable; try again later.")
        response.headers["Retry-After"] = "1"
        return response, status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response, status = _error(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"),
                                  exc.description or exc.name)
        allow = exc.get_response().headers.get("Allow")
        if allow:
            response.headers["Allow"] = allow
        return response, status

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error(500, "internal_error", "An unexpected error occurred.")
