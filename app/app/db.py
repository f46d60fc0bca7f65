"""PostgreSQL access: one small connection pool per process, filled lazily.

Nothing here connects at import or in create_app(); the first query does.
A pool made in one process is never used in another: gunicorn forks its
workers, and a libpq socket shared across a fork corrupts both ends.

Why not psycopg_pool: its connection attempts run in a background thread
with exponential back-off, and a failed attempt does not wake the requests
waiting for it. During an outage every request then waits out the whole pool
timeout, and after one the database may not be tried again for seconds. The
pool below connects in the request's own thread, so a refused connection is
reported at once, and a recovered database is used by the next request.
"""

from __future__ import annotations

import logging
import os
import re
import select
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

from .config import DEFAULT_MIGRATIONS_DIR, DatabaseSettings
from .errors import DependencyUnavailable, NotConfigured, SchemaNotReady
from .liveness import CredentialsWatch
from .migrate import MigrationError, discover, pending

log = logging.getLogger(__name__)


class JobFailed(Exception):
    """A job that cannot succeed, whatever the retries: it is marked failed."""

# After a failed connection attempt only one request per interval tries
# again; the others fail at once. An unreachable database (each attempt
# waiting out connect_timeout) then cannot tie up every worker thread and
# starve /healthz, and a database that is back is found within the interval.
RETRY_INTERVAL_SECONDS = 1.0
MAX_IDLE_SECONDS = 300.0
MAX_LIFETIME_SECONDS = 3600.0
WELCOME_JOB = "welcome"
NOT_CONFIGURED_HOW = "set DATABASE_URL, or DB_HOST with DB_NAME, DB_USER and DB_PASSWORD"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# libpq reports no SQLSTATE for a failed connection attempt, only the server's
# message. PostgreSQL's auth_failed() words every failed authentication this
# way: "password authentication failed for user" (28P01, password, md5 and
# SCRAM) and "PAM/LDAP/... authentication failed for user" (28000; RDS IAM
# authentication is PAM). Not matched, on purpose: a pg_hba.conf rejection
# (28000 too, but a rule a new instance would meet as well), a missing database,
# "too many clients", refusals and timeouts. With a server whose lc_messages is
# not English nothing matches, and the check never fires: it fails safe.
_CREDENTIALS_REJECTED = re.compile(r"\bauthentication failed for user\b")


def credentials_rejected(exc: BaseException) -> bool:
    """Whether a failed connection attempt means the server refused the credentials."""
    return isinstance(exc, psycopg.OperationalError) and bool(_CREDENTIALS_REJECTED.search(str(exc)))


def _idle_connection_is_usable(conn: psycopg.Connection) -> bool:
    """An idle connection has nothing to read unless the server has closed
    it or is about to (a restart sends a termination notice, then EOF).
    Checking costs no round trip, unlike SELECT 1."""
    if conn.closed or conn.broken:
        return False
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError, psycopg.Error):
        return False
    return not readable


@dataclass
class _Pooled:
    conn: psycopg.Connection
    created_at: float
    idle_since: float = 0.0


class ConnectionPool:
    """At most `max_size` connections, made on demand, reused newest first."""

    def __init__(self, conninfo: str, max_size: int, timeout: float,
                 credentials: Optional[CredentialsWatch] = None, description: str = "database"):
        self._conninfo = conninfo
        self._timeout = timeout
        self._credentials = credentials
        self._description = description
        self._slots = threading.BoundedSemaphore(max_size)
        self._lock = threading.Lock()
        self._idle: List[_Pooled] = []
        self._failing = False
        self._failure_reason = "connection_failed"
        self._probing = False
        self._retry_at = 0.0

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        if not self._slots.acquire(timeout=self._timeout):
            raise DependencyUnavailable("database", "timeout", f"no free connection within {self._timeout}s")
        try:
            pooled = self._take_idle() or self._connect()
            try:
                yield pooled.conn
            finally:
                self._give_back(pooled)
        finally:
            self._slots.release()

    def _take_idle(self) -> Optional[_Pooled]:
        now = time.monotonic()
        while True:
            with self._lock:
                if not self._idle:
                    return None
                pooled = self._idle.pop()
            if (now - pooled.idle_since < MAX_IDLE_SECONDS
                    and now - pooled.created_at < MAX_LIFETIME_SECONDS
                    and _idle_connection_is_usable(pooled.conn)):
                return pooled
            pooled.conn.close()

    def _connect(self) -> _Pooled:
        with self._lock:
            if self._failing and (self._probing or time.monotonic() < self._retry_at):
                raise DependencyUnavailable("database", self._failure_reason, "recent connection attempt failed")
            self._probing = self._failing
        try:
            conn = psycopg.connect(self._conninfo, autocommit=True, row_factory=dict_row)
        except Exception as exc:
            reason = "credentials_rejected" if credentials_rejected(exc) else "connection_failed"
            with self._lock:
                self._failing, self._probing = True, False
                self._failure_reason = reason
                self._retry_at = time.monotonic() + RETRY_INTERVAL_SECONDS
            if reason == "credentials_rejected" and self._credentials is not None:
                self._credentials.rejected(_first_line(exc), self._description)
            raise DependencyUnavailable("database", reason, _first_line(exc)) from exc
        with self._lock:
            if self._failing:
                log.info("database connection restored")
            self._failing = self._probing = False
        if self._credentials is not None:
            self._credentials.accepted()
        return _Pooled(conn, created_at=time.monotonic())

    def _give_back(self, pooled: _Pooled) -> None:
        conn = pooled.conn
        status = conn.info.transaction_status
        if status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            try:
                conn.rollback()
            except psycopg.Error:
                conn.close()
        elif status != TransactionStatus.IDLE:
            conn.close()  # broken, or returned mid-query
        if conn.closed or conn.broken:
            conn.close()
            return
        pooled.idle_since = time.monotonic()
        with self._lock:
            self._idle.append(pooled)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for pooled in idle:
            pooled.conn.close()


class Database:
    def __init__(self, settings: Optional[DatabaseSettings], credentials: Optional[CredentialsWatch] = None,
                 migrations_dir: str = DEFAULT_MIGRATIONS_DIR):
        self.settings = settings
        self.credentials = credentials
        self.migrations_dir = migrations_dir
        self._migrations = None
        self._lock = threading.Lock()
        self._pool: Optional[ConnectionPool] = None
        self._pool_pid: Optional[int] = None
        self._schema_ready = False

    @property
    def configured(self) -> bool:
        return self.settings is not None

    def _get_pool(self) -> ConnectionPool:
        if self.settings is None:
            raise NotConfigured("database", NOT_CONFIGURED_HOW)
        pid = os.getpid()
        if self._pool is None or self._pool_pid != pid:
            with self._lock:
                if self._pool is None or self._pool_pid != pid:
                    # A pool inherited through fork belongs to the parent:
                    # drop it unclosed (closing would end the parent's sessions).
                    self._pool = ConnectionPool(
                        self.settings.conninfo,
                        max_size=self.settings.pool_max_size,
                        timeout=self.settings.pool_timeout_seconds,
                        credentials=self.credentials,
                        description=self.settings.description,
                    )
                    self._pool_pid = pid
                    self._schema_ready = False
        return self._pool

    def _run(self, operation: Callable[[psycopg.Connection], Any]) -> Any:
        """Run `operation` on a pooled connection, once the schema is at the
        version this code needs. Every database failure leaves here as
        DependencyUnavailable (SchemaNotReady while migrations are pending)."""
        for attempt in (1, 2):
            try:
                with self._get_pool().connection() as conn:
                    if not self._schema_ready:
                        self._check_schema(conn)
                    return operation(conn)
            except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as exc:
                # The schema went away or back (a restored or replaced
                # database): check it again, which names what is missing.
                self._schema_ready = False
                if attempt == 2:
                    raise DependencyUnavailable("database", "error", _first_line(exc)) from exc
            except psycopg.errors.QueryCanceled as exc:
                raise DependencyUnavailable("database", "timeout", _first_line(exc)) from exc
            except psycopg.OperationalError as exc:
                raise DependencyUnavailable("database", "connection_failed", _first_line(exc)) from exc
            except psycopg.Error as exc:
                raise DependencyUnavailable("database", "error", _first_line(exc)) from exc

    def _check_schema(self, conn: psycopg.Connection) -> None:
        """The schema is created and changed only by the release command
        (migrate.py); until it has applied every migration this code ships,
        database routes answer 503 schema_not_ready. One cheap query per
        request while that lasts, none after."""
        if self._migrations is None:
            try:
                self._migrations = discover(self.migrations_dir)
            except MigrationError as exc:
                raise DependencyUnavailable("database", "error", str(exc)) from exc
        missing = pending(conn, self._migrations)
        if missing:
            raise SchemaNotReady([m.id for m in missing])
        self._schema_ready = True

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pool_pid == os.getpid():
                self._pool.close()
            self._pool = None

    # --- queries -----------------------------------------------------------

    def ping(self) -> None:
        self._run(lambda conn: conn.execute("SELECT 1").fetchone())

    def list_users(self, limit: int, before: Optional[int]) -> List[Dict[str, Any]]:
        def query(conn: psycopg.Connection):
            if before is None:
                cur = conn.execute(
                    "SELECT id, username, created_at FROM users ORDER BY id DESC LIMIT %s", (limit,)
                )
            else:
                cur = conn.execute(
                    "SELECT id, username, created_at FROM users WHERE id < %s ORDER BY id DESC LIMIT %s",
                    (before, limit),
                )
            return cur.fetchall()

        return self._run(query)

    def create_user(self, username: str, job_status: str = "queued") -> Optional[Dict[str, Any]]:
        """The new row once committed, with its welcome job (`job_id`), or
        None if the username is taken. User and job commit together, so no
        user is left without a job. A commit that fails raises, so the caller
        never reports a write that did not happen."""

        def insert(conn: psycopg.Connection):
            with conn.transaction():
                row = conn.execute(
                    "INSERT INTO users (username) VALUES (%s)"
                    " ON CONFLICT (username) DO NOTHING"
                    " RETURNING id, username, created_at",
                    (username,),
                ).fetchone()
                if row is not None:
                    row["job_id"] = conn.execute(
                        "INSERT INTO jobs (kind, user_id, status) VALUES (%s, %s, %s) RETURNING id",
                        (WELCOME_JOB, row["id"], job_status),
                    ).fetchone()["id"]
            return row  # the transaction block has committed by now

        return self._run(insert)

    def get_user(self, user_id: int) -> Optional[Dict[str, Any]]:
        """A user with its welcome message and the state of its latest welcome job."""
        return self._run(lambda conn: conn.execute(
            "SELECT u.id, u.username, u.created_at, u.welcome_message, u.welcomed_at,"
            " j.id AS job_id, j.status AS job_status"
            " FROM users u LEFT JOIN LATERAL ("
            "   SELECT id, status FROM jobs WHERE user_id = u.id AND kind = %s ORDER BY id DESC LIMIT 1"
            " ) j ON true WHERE u.id = %s",
            (WELCOME_JOB, user_id),
        ).fetchone())

    # --- jobs ------------------------------------------------------------------

    def get_job(self, job_id: int) -> Optional[Dict[str, Any]]:
        return self._run(lambda conn: conn.execute(
            "SELECT id, kind, user_id, status, attempts, error, created_at, started_at, finished_at"
            " FROM jobs WHERE id = %s", (job_id,)).fetchone())

    def mark_job_not_queued(self, job_id: int, reason: str) -> None:
        """The message never reached the queue. Only a job nobody has
        started is changed: a worker may already have run it."""
        self._run(lambda conn: conn.execute(
            "UPDATE jobs SET status = 'not_queued', error = %s WHERE id = %s AND status = 'queued'",
            (reason, job_id)))

    def start_job(self, job_id: int) -> Optional[Dict[str, Any]]:
        """Mark a job running and return it; None if it is finished or gone
        (a message delivered twice). A job left `running` by a worker that
        was killed is started again."""
        return self._run(lambda conn: conn.execute(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = now(), error = NULL"
            " WHERE id = %s AND status IN ('queued', 'not_queued', 'running')"
            " RETURNING id, kind, user_id, attempts",
            (job_id,)).fetchone())

    def finish_welcome_job(self, job_id: int, user_id: int) -> None:
        """The welcome job's work and its `done` commit together: a job
        seen as done has always written its message."""

        def write(conn: psycopg.Connection):
            with conn.transaction():
                user = conn.execute(
                    "UPDATE users SET welcome_message = 'Welcome, ' || username || '!', welcomed_at = now()"
                    " WHERE id = %s RETURNING id", (user_id,)).fetchone()
                if user is None:
                    raise JobFailed(f"user {user_id} no longer exists")
                conn.execute("UPDATE jobs SET status = 'done', finished_at = now() WHERE id = %s", (job_id,))

        self._run(write)

    def fail_job(self, job_id: int, error: str) -> None:
        self._run(lambda conn: conn.execute(
            "UPDATE jobs SET status = 'failed', error = %s, finished_at = now() WHERE id = %s",
            (error[:1000], job_id)))

    def prune_jobs(self, older_than_days: int, batch: int = 1000) -> int:
        """Delete up to `batch` finished jobs (done or failed) older than
        `older_than_days`; returns how many. Batches keep each statement
        within DB_STATEMENT_TIMEOUT_MS and its locks short."""
        return self._run(lambda conn: conn.execute(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status IN ('done', 'failed')"
            " AND finished_at < now() - make_interval(days => %s) LIMIT %s)",
            (older_than_days, batch)).rowcount)

    def stats(self) -> Dict[str, Any]:
        return self._run(
            lambda conn: conn.execute(
                "SELECT count(*) AS users,"
                " count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS users_last_24h,"
                " max(created_at) AS latest_user_at"
                " FROM users"
            ).fetchone()
        )
