"""Versioned SQL migrations: `python -m app.migrate`, the Procfile's `release`.

The platforms run this to completion before each rollout (on Elastic Beanstalk,
which runs the web process only, gunicorn's master calls main() before it forks
a worker, when RELEASE_ON_START is set). The web's workers never change the
schema: they only check that every migration they know of has been applied,
and answer 503 `schema_not_ready` from the database routes until then (db.py).

Migrations are the files `NNNN_name.sql` in MIGRATIONS_DIR (default:
`migrations/` next to the `app` package), applied in version order. Each one
runs in its own transaction together with its row in `schema_migrations`, so a
migration is either applied and recorded, or neither: a failing one is rolled
back, leaves the schema as it was, and makes the command exit 1 naming it.
Runners started at once (two deploys, a retry) take a PostgreSQL advisory
lock for the whole run, so each migration is applied exactly once; a second
runner waits, then finds nothing left to do. A migration must therefore not
manage its own transaction (no BEGIN/COMMIT, no CREATE INDEX CONCURRENTLY).

Exit status: 0 applied or nothing to do; 1 a migration failed, a file was
changed after it was applied, or the database could not be reached; 2 the
configuration is invalid or names no database.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import psycopg
import psycopg.rows

from .cli import EXIT_USAGE, NO_DATABASE, command_settings, first_line

log = logging.getLogger("app.migrate")

# The key the web process locked when it still created the schema itself:
# during the first rollout with migrations, old web tasks and this runner
# then wait for each other instead of racing to create `users`.
MIGRATION_LOCK_ID = 0x666C61736B
MIGRATION_FILE = re.compile(r"^(?P<version>[0-9]{4})_(?P<name>[a-z0-9][a-z0-9_]*)\.sql$")
CONNECT_ATTEMPTS = 5
CONNECT_RETRY_SECONDS = 2.0

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text        PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """The migrations cannot be applied; the message says which and why."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: str

    @property
    def id(self) -> str:
        return f"{self.version}_{self.name}"

    def sql(self) -> bytes:
        with open(self.path, "rb") as f:
            return f.read()

    def checksum(self) -> str:
        return hashlib.sha256(self.sql()).hexdigest()


def discover(directory: str) -> List[Migration]:
    """The migrations in `directory`, in version order. Other files are
    ignored, except a `.sql` file with a name that does not fit the pattern:
    left alone it would silently never run."""
    if not os.path.isdir(directory):
        raise MigrationError(f"no migrations directory at {directory} (MIGRATIONS_DIR)")
    found: Dict[str, Migration] = {}
    for entry in sorted(os.listdir(directory)):
        if not entry.endswith(".sql"):
            continue
        match = MIGRATION_FILE.match(entry)
        if match is None:
            raise MigrationError(
                f"{os.path.join(directory, entry)}: a migration is named NNNN_name.sql "
                "(four digits, then lower-case letters, digits and underscores)")
        version = match["version"]
        if version in found:
            raise MigrationError(f"two migrations have version {version}: {found[version].id} and {entry}")
        found[version] = Migration(version, match["name"], os.path.join(directory, entry))
    return [found[v] for v in sorted(found)]


def pending(conn: psycopg.Connection, migrations: Sequence[Migration]) -> List[Migration]:
    """Which of `migrations` the database has not recorded (all of them
    before the first run). Reads only; takes no lock."""
    try:
        with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
            applied = {row[0] for row in cur.execute("SELECT version FROM schema_migrations")}
    except psycopg.errors.UndefinedTable:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        return list(migrations)
    return [m for m in migrations if m.version not in applied]


class MigrationFailed(MigrationError):
    def __init__(self, migration: Migration, cause: BaseException, applied_before: List[Migration]):
        super().__init__(
            f"migration {migration.id} failed: {first_line(cause)}. It was rolled back: the schema is as "
            f"it was before it. Fix {os.path.basename(migration.path)} and run the release again.")
        self.migration = migration
        self.applied_before = applied_before


def _connect(conninfo: str) -> psycopg.Connection:
    """A connection, retried for a few seconds: a release task can start
    while the database is still coming up (docker compose, a fresh stack)."""
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            return psycopg.connect(conninfo, autocommit=True)
        except psycopg.OperationalError as exc:
            if attempt == CONNECT_ATTEMPTS or "authentication failed" in str(exc):
                raise
            log.warning("database not reachable (attempt %d of %d); retrying in %.0f s",
                        attempt, CONNECT_ATTEMPTS, CONNECT_RETRY_SECONDS)
            time.sleep(CONNECT_RETRY_SECONDS)
    raise AssertionError("unreachable")


def apply(conninfo: str, migrations: Sequence[Migration]) -> List[Migration]:
    """Apply every migration the database has not recorded, in order, each in
    its own transaction, under the advisory lock. Returns those applied."""
    done: List[Migration] = []
    with _connect(conninfo) as conn:
        # A migration may take longer than the web's per-statement limit, and
        # a runner may wait for another one's lock; the platform's task
        # timeout bounds both.
        conn.execute("SET statement_timeout = 0")
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK_ID,)).fetchone()[0]:
            log.info("another runner is applying migrations; waiting for it to finish")
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_ID,))
        # Released when the connection closes, whatever happens below.
        with conn.transaction():
            conn.execute(CREATE_TABLE)
        recorded = {row[0]: (row[1], row[2]) for row in
                    conn.execute("SELECT version, name, checksum FROM schema_migrations")}
        _check_recorded(recorded, migrations)
        for migration in migrations:
            if migration.version in recorded:
                continue
            sql = migration.sql()
            started = time.perf_counter()
            try:
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, hashlib.sha256(sql).hexdigest()))
            except psycopg.Error as exc:
                raise MigrationFailed(migration, exc, list(done)) from exc
            done.append(migration)
            log.info("applied migration %s", migration.id, extra={
                "migration": migration.id,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return done


def _check_recorded(recorded: Dict[str, tuple], migrations: Sequence[Migration]) -> None:
    known = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(recorded.items()):
        migration = known.get(version)
        if migration is None:
            # A newer release applied it and this one is older (a rollback):
            # its schema is a superset of what this code needs.
            log.warning("the database has migration %s_%s, which this release does not know", version, name)
        elif migration.checksum() != checksum:
            raise MigrationError(
                f"migration {migration.id} was changed after it was applied (checksum differs): "
                "add a new migration instead of editing an applied one")


def main(argv: Optional[Sequence[str]] = None) -> int:
    settings = command_settings("app.migrate")
    if settings.database is None:
        log.error(NO_DATABASE)
        return EXIT_USAGE
    started = time.perf_counter()
    try:
        migrations = discover(settings.migrations_dir)
        applied = apply(settings.database.conninfo, migrations)
    except MigrationFailed as exc:
        log.error("%s", exc, extra={
            "migration": exc.migration.id,
            "applied_in_this_run": [m.id for m in exc.applied_before]})
        return 1
    except MigrationError as exc:
        log.error("%s", exc)
        return 1
    except psycopg.Error as exc:
        log.error("could not apply migrations on %s: %s", settings.database.description, first_line(exc))
        return 1
    log.info("database schema is up to date", extra={
        "applied": [m.id for m in applied],
        "latest": migrations[-1].id if migrations else None,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
