"""Scheduled jobs: `python -m app.jobs <name>`, run by the platform's scheduler
(EventBridge Scheduler on AWS, Cloud Scheduler on Google Cloud) from the
stack setting `schedules`, or by hand.

    python -m app.jobs prune [--older-than-days N]

`prune` deletes finished background jobs (status `done` or `failed`) whose
`finished_at` is more than N days ago (default JOBS_RETENTION_DAYS, 30). Users
and their welcome messages stay; a job still queued or running is never
touched. Safe to run at any time and as often as wanted.

Exit status: 0 done; 1 the database was unavailable or its schema is behind
this release; 2 bad arguments or configuration.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Optional, Sequence

from .cli import EXIT_USAGE, NO_DATABASE, command_settings
from .db import Database
from .errors import DependencyUnavailable

log = logging.getLogger("app.jobs")


def prune(db: Database, older_than_days: int) -> int:
    deleted = db.prune_jobs(older_than_days)
    log.info("pruned %d finished jobs older than %d days", deleted, older_than_days,
             extra={"job": "prune", "deleted": deleted, "older_than_days": older_than_days})
    return deleted


def _parser(default_days: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.jobs", description="Run a scheduled job once.")
    jobs = parser.add_subparsers(dest="job", required=True, metavar="JOB")
    pruning = jobs.add_parser("prune", help="delete finished background jobs older than N days")
    pruning.add_argument("--older-than-days", type=int, default=default_days, metavar="N",
                         help=f"age in days (default: JOBS_RETENTION_DAYS, now {default_days})")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    settings = command_settings("app.jobs")
    args = _parser(settings.jobs_retention_days).parse_args(argv)
    if args.older_than_days < 1:
        print("app.jobs: --older-than-days must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    if settings.database is None:
        log.error(NO_DATABASE)
        return EXIT_USAGE
    db = Database(settings.database, migrations_dir=settings.migrations_dir)
    started = time.perf_counter()
    try:
        prune(db, args.older_than_days)
    except DependencyUnavailable as exc:
        log.error("%s failed: database %s (%s)", args.job, exc.reason, exc.detail,
                  extra={"job": args.job, "reason": exc.reason})
        return 1
    finally:
        db.close()
    log.info("%s finished", args.job, extra={
        "job": args.job, "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
