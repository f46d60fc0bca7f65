"""Every environment variable the service reads is read here, and only here.

`load_settings()` builds the application's settings and `load_server_settings()`
the gunicorn ones. Both are pure functions of a mapping, so tests pass a dict
instead of patching `os.environ`. An invalid value raises `ConfigError` naming
the variable, the bad value and what is allowed, before anything starts.
"""

from __future__ import annotations

import math
import os
import ssl
from dataclasses import dataclass
from typing import Mapping, Optional
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

DEFAULT_PORT = 8080
DEFAULT_APP_NAME = "flask-multicloud"
DEFAULT_APP_VERSION = "dev"
DEFAULT_APP_ENV = "development"
DEFAULT_THREADS = 4
DEFAULT_DB_PORT = 5432
DEFAULT_REDIS_PORT = 6379
MAX_BODY_BYTES = 1024 * 1024
# Versioned SQL files applied by `python -m app.migrate` (the Procfile's release).
DEFAULT_MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
DEFAULT_JOBS_RETENTION_DAYS = 30

# The AWS load balancer closes idle connections after 60 s; the server must
# keep them open longer, or the balancer reuses a socket the server just closed
# and the client sees a 502.
KEEPALIVE_SECONDS = 75
# Cloud Run sends SIGKILL 10 s after SIGTERM (ECS: stopTimeout, 30 s here).
# Workers must be gone before that, with time left for the master to exit.
GRACEFUL_TIMEOUT_SECONDS = 8

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


class ConfigError(ValueError):
    """A setting in the environment is missing, malformed or contradictory."""


@dataclass(frozen=True)
class DatabaseSettings:
    """Where PostgreSQL is and how long to wait for it."""

    conninfo: str  # libpq connection string; may hold a password: never log it
    description: str  # the same target without credentials, safe to log
    connect_timeout_seconds: int = 3
    statement_timeout_ms: int = 5000
    pool_max_size: int = DEFAULT_THREADS
    pool_timeout_seconds: float = 2.0
    # /healthz fails after this many rejections of the credentials in a row,
    # spread over at least auth_failure_min_seconds (see liveness.py); 0: never.
    auth_failure_threshold: int = 3
    auth_failure_min_seconds: float = 30.0


@dataclass(frozen=True)
class RedisSettings:
    """Where Redis is. `url` may hold a password: log `description` instead."""

    url: str
    description: str
    password: Optional[str] = None
    tls: bool = False
    tls_ca_file: Optional[str] = None  # a CA bundle file, or
    tls_ca_cert: Optional[str] = None  # the CA certificate itself, as PEM text
    timeout_seconds: float = 1.0


@dataclass(frozen=True)
class Settings:
    app_name: str = DEFAULT_APP_NAME
    app_version: str = DEFAULT_APP_VERSION
    app_env: str = DEFAULT_APP_ENV
    log_level: str = "INFO"
    database: Optional[DatabaseSettings] = None
    redis: Optional[RedisSettings] = None
    readiness_timeout_seconds: float = 2.0
    max_body_bytes: int = MAX_BODY_BYTES
    migrations_dir: str = DEFAULT_MIGRATIONS_DIR
    # `python -m app.jobs prune` deletes finished jobs older than this.
    jobs_retention_days: int = DEFAULT_JOBS_RETENTION_DAYS
    # A scheduled job's time limit, when its platform passes one.
    job_timeout_seconds: Optional[int] = None


@dataclass(frozen=True)
class ServerSettings:
    """What gunicorn.conf.py needs; see that file for why each value is so."""

    port: int
    workers: int
    threads: int
    keepalive_seconds: int = KEEPALIVE_SECONDS
    graceful_timeout_seconds: int = GRACEFUL_TIMEOUT_SECONDS
    worker_tmp_dir: Optional[str] = None
    log_level: str = "INFO"
    # Apply pending migrations in the master before any worker forks, for a
    # platform that runs the web process only (Elastic Beanstalk).
    release_on_start: bool = False


# --- parsing helpers -------------------------------------------------------


def _get(env: Mapping[str, str], key: str) -> Optional[str]:
    """The value of `key`, or None when unset or blank."""
    value = env.get(key)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _int(env: Mapping[str, str], key: str, default: int, lo: int, hi: int) -> int:
    raw = _get(env, key)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not an integer (allowed: {lo}..{hi})") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{key}={raw!r} is out of range (allowed: {lo}..{hi})")
    return value


def _float(env: Mapping[str, str], key: str, default: float, lo: float, hi: float) -> float:
    raw = _get(env, key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a number (allowed: {lo}..{hi})") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ConfigError(f"{key}={raw!r} is out of range (allowed: {lo}..{hi})")
    return value


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{key}={raw!r} is not a boolean (allowed: true/false, 1/0, yes/no, on/off)")


def _choice(env: Mapping[str, str], key: str, default: str, allowed: tuple) -> str:
    raw = _get(env, key)
    if raw is None:
        return default
    if raw.upper() not in allowed:
        raise ConfigError(f"{key}={raw!r} is not allowed (allowed: {', '.join(allowed)})")
    return raw.upper()


def _only_one(env: Mapping[str, str], url_key: str, part_keys: tuple) -> None:
    clashing = [k for k in part_keys if _get(env, k) is not None]
    if _get(env, url_key) is not None and clashing:
        raise ConfigError(
            f"Only one of {url_key} or {'/'.join(part_keys)} can be provided; "
            f"both {url_key} and {', '.join(clashing)} are set"
        )


# --- database -------------------------------------------------------------


def _libpq_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _database(env: Mapping[str, str], pool_default: int) -> Optional[DatabaseSettings]:
    _only_one(env, "DATABASE_URL", ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER"))
    url = _get(env, "DATABASE_URL")
    host = _get(env, "DB_HOST")
    if url is None and host is None:
        for key in ("DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_SSLMODE"):
            if _get(env, key) is not None:
                raise ConfigError(f"{key} is set but DB_HOST is not: set DB_HOST or DATABASE_URL")
        return None

    password = env.get("DB_PASSWORD") or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql"):
            # Do not echo the value: it may hold a password.
            raise ConfigError("DATABASE_URL must start with postgresql:// or postgres://")
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if password and (parts.password or "password" in params):
            raise ConfigError("DB_PASSWORD is set but DATABASE_URL already has a password: keep one")
        where = parts.hostname or params.get("host") or "(libpq default host)"
        port = parts.port if not where.startswith("/") else None
        dbname = unquote(parts.path.lstrip("/")) or params.get("dbname", "")
        user = unquote(parts.username or "") or params.get("user", "(default user)")
    else:
        missing = [k for k in ("DB_NAME", "DB_USER") if _get(env, k) is None]
        if missing:
            raise ConfigError(f"DB_HOST is set but {' and '.join(missing)} not: set them too")
        # A directory such as /cloudsql/project:region:instance means a Unix socket.
        where, dbname, user = host, _get(env, "DB_NAME"), _get(env, "DB_USER")
        port = _int(env, "DB_PORT", DEFAULT_DB_PORT, 1, 65535)
        params = {"host": host, "port": str(port), "dbname": dbname, "user": user}
        if host.startswith("/"):
            port = None

    if password:
        params["password"] = password
    sslmode = _get(env, "DB_SSLMODE")
    if sslmode is not None:
        allowed = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
        if sslmode not in allowed:
            raise ConfigError(f"DB_SSLMODE={sslmode!r} is not allowed (allowed: {', '.join(allowed)})")
        params["sslmode"] = sslmode

    statement_timeout = _int(env, "DB_STATEMENT_TIMEOUT_MS", 5000, 100, 600_000)
    # Values the user put in DATABASE_URL win over these defaults.
    params.setdefault("connect_timeout", str(_int(env, "DB_CONNECT_TIMEOUT_SECONDS", 3, 2, 60)))
    params.setdefault("application_name", _get(env, "APP_NAME") or DEFAULT_APP_NAME)
    # Idle TCP connections through NAT or a proxy die silently; keepalives
    # find that out before a request does.
    params.setdefault("keepalives", "1")
    params.setdefault("keepalives_idle", "30")
    params.setdefault("keepalives_interval", "10")
    params.setdefault("keepalives_count", "3")
    options = params.get("options", "")
    if "statement_timeout" not in options:
        params["options"] = f"{options} -c statement_timeout={statement_timeout}".strip()

    if url is not None:
        query = urlencode(params, quote_via=quote)
        conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    else:
        conninfo = " ".join(f"{k}={_libpq_quote(v)}" for k, v in params.items())
    try:
        connect_timeout = int(params["connect_timeout"])
    except ValueError:
        raise ConfigError("DATABASE_URL has a connect_timeout that is not an integer") from None
    return DatabaseSettings(
        conninfo=conninfo,
        description=f"postgresql {where}{f':{port}' if port else ''}/{dbname} as {user}",
        connect_timeout_seconds=connect_timeout,
        statement_timeout_ms=statement_timeout,
        pool_max_size=_int(env, "DB_POOL_MAX_SIZE", pool_default, 1, 100),
        pool_timeout_seconds=_float(env, "DB_POOL_TIMEOUT_SECONDS", 2.0, 0.1, 60.0),
        auth_failure_threshold=_int(env, "DB_AUTH_FAILURE_THRESHOLD", 3, 0, 10_000),
        auth_failure_min_seconds=_float(env, "DB_AUTH_FAILURE_MIN_SECONDS", 30.0, 0.0, 86_400.0),
    )


# --- redis ----------------------------------------------------------------


def _check_pem_certificates(key: str, pem: str) -> None:
    # Parsing a certificate costs well under a millisecond and touches no file
    # or socket; a bad value then stops start-up here, naming the variable,
    # instead of failing every Redis connection later.
    expected = "expected one or more '-----BEGIN CERTIFICATE-----' blocks, with real line breaks"
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise ConfigError(f"{key} is not PEM certificate text: {expected}")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=pem)
    except (ssl.SSLError, ValueError, TypeError) as exc:
        raise ConfigError(f"{key} holds no valid PEM certificate ({exc}): {expected}") from None


def _redis(env: Mapping[str, str]) -> Optional[RedisSettings]:
    _only_one(env, "REDIS_URL", ("REDIS_HOST", "REDIS_PORT"))
    url = _get(env, "REDIS_URL")
    host = _get(env, "REDIS_HOST")
    if url is None and host is None:
        for key in ("REDIS_PORT", "REDIS_PASSWORD", "REDIS_TLS_CA_FILE", "REDIS_TLS_CA_CERT"):
            if _get(env, key) is not None:
                raise ConfigError(f"{key} is set but REDIS_HOST is not: set REDIS_HOST or REDIS_URL")
        return None

    tls = _bool(env, "REDIS_TLS", False)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://")
        tls = tls or parts.scheme == "rediss"
        where = f"{parts.hostname or parts.path}:{parts.port or DEFAULT_REDIS_PORT}"
    else:
        port = _int(env, "REDIS_PORT", DEFAULT_REDIS_PORT, 1, 65535)
        bracketed = f"[{host}]" if ":" in host else host
        url = f"redis://{bracketed}:{port}/0"
        where = f"{host}:{port}"

    ca_file = _get(env, "REDIS_TLS_CA_FILE")
    ca_cert = _get(env, "REDIS_TLS_CA_CERT")
    if ca_file is not None and ca_cert is not None:
        raise ConfigError(
            "Only one of REDIS_TLS_CA_FILE or REDIS_TLS_CA_CERT can be provided; both are set"
        )
    for key, value in (("REDIS_TLS_CA_FILE", ca_file), ("REDIS_TLS_CA_CERT", ca_cert)):
        if value is not None and not tls:
            raise ConfigError(f"{key} is set but TLS is off: set REDIS_TLS=true")
    if ca_cert is not None:
        _check_pem_certificates("REDIS_TLS_CA_CERT", ca_cert)
    return RedisSettings(
        url=url,
        description=f"redis {where}{' (tls)' if tls else ''}",
        password=env.get("REDIS_PASSWORD") or None,
        tls=tls,
        tls_ca_file=ca_file,
        tls_ca_cert=ca_cert,
        timeout_seconds=_float(env, "REDIS_TIMEOUT_SECONDS", 1.0, 0.05, 30.0),
    )


# --- public entry points ----------------------------------------------------


def load_settings(env: Optional[Mapping[str, str]] = None) -> Settings:
    """The application's settings from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    threads = _int(env, "GUNICORN_THREADS", DEFAULT_THREADS, 1, 256)
    return Settings(
        app_name=_get(env, "APP_NAME") or DEFAULT_APP_NAME,
        app_version=_get(env, "APP_VERSION") or DEFAULT_APP_VERSION,
        app_env=_get(env, "APP_ENV") or DEFAULT_APP_ENV,
        log_level=_choice(env, "LOG_LEVEL", "INFO", LOG_LEVELS),
        database=_database(env, pool_default=threads),
        redis=_redis(env),
        readiness_timeout_seconds=_float(env, "READINESS_TIMEOUT_SECONDS", 2.0, 0.1, 30.0),
        migrations_dir=_get(env, "MIGRATIONS_DIR") or DEFAULT_MIGRATIONS_DIR,
        jobs_retention_days=_int(env, "JOBS_RETENTION_DAYS", DEFAULT_JOBS_RETENTION_DAYS, 1, 3650),
        job_timeout_seconds=_int(env, "JOB_TIMEOUT_SECONDS", 0, 1, 86_400) if _get(env, "JOB_TIMEOUT_SECONDS") else None,
    )


def effective_cpu_count(
    cgroup_root: str = "/sys/fs/cgroup", affinity: Optional[int] = None
) -> int:
    """CPUs this process may really use: a container's CPU quota, when one is
    set, is usually far below the host's core count that os.cpu_count() sees."""
    if affinity is None:
        try:
            affinity = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            affinity = os.cpu_count() or 1
    quota = None
    try:  # cgroup v2
        with open(os.path.join(cgroup_root, "cpu.max")) as f:
            max_, period = f.read().split()[:2]
        if max_ != "max":
            quota = int(max_) / int(period)
    except (OSError, ValueError):
        try:  # cgroup v1
            with open(os.path.join(cgroup_root, "cpu", "cpu.cfs_quota_us")) as f:
                max_us = int(f.read())
            with open(os.path.join(cgroup_root, "cpu", "cpu.cfs_period_us")) as f:
                period_us = int(f.read())
            if max_us > 0:
                quota = max_us / period_us
        except (OSError, ValueError):
            pass
    cpus = affinity if quota is None else min(affinity, math.ceil(quota))
    return max(1, cpus)


def _worker_tmp_dir(candidates=("/dev/shm", "/tmp")) -> Optional[str]:
    # gunicorn touches a heartbeat file per worker; the root filesystem is
    # read-only on the platforms, and memory-backed storage avoids disk stalls.
    for path in candidates:
        if os.path.isdir(path) and os.access(path, os.W_OK):
            return path
    return None


def load_server_settings(
    env: Optional[Mapping[str, str]] = None, cpu_count: Optional[int] = None
) -> ServerSettings:
    """gunicorn's settings: one threaded worker per usable CPU by default."""
    env = os.environ if env is None else env
    cpus = effective_cpu_count() if cpu_count is None else cpu_count
    return ServerSettings(
        port=_int(env, "PORT", DEFAULT_PORT, 1, 65535),
        workers=_int(env, "WEB_CONCURRENCY", cpus, 1, 64),
        threads=_int(env, "GUNICORN_THREADS", DEFAULT_THREADS, 1, 256),
        worker_tmp_dir=_worker_tmp_dir(),
        log_level=_choice(env, "LOG_LEVEL", "INFO", LOG_LEVELS),
        release_on_start=_bool(env, "RELEASE_ON_START", False),
    )
