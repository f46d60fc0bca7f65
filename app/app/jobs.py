"""Scheduled jobs: `python -m app.jobs <name>`, run by the platform's scheduler
(EventBridge Scheduler on AWS, Cloud Scheduler on Google Cloud) from the
stack setting `schedules`, or by hand.

    python -m app.jobs prune [--older-than-days N]

`prune` deletes finished background jobs (status `done` or `failed`) whose
`finished_at` is more than N days ago (default JOBS_RETENTION_DAYS, 30). Users
and their welcome messages stay; a job still queued or running is never
touched. Safe to run at any time and as often as wanted. It deletes in
batches of 1000 and, when JOB_TIMEOUT_SECONDS is set (the AWS schedule sets
it: ECS has no run timeout of its own), starts no batch in its last 30 s.

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

PRUNE_BATCH = 1000
# Stop starting batches this long before JOB_TIMEOUT_SECONDS runs out.
TIMEOUT_MARGIN_SECONDS = 30


def prune(db: Database, older_than_days: int, deadline: Optional[float] = None) -> int:
    """Delete in batches until none is left, or until `deadline` (monotonic
    time) has passed; the next run takes the rest."""
    deleted, complete = 0, False
    while deadline is None or time.monotonic() < deadline:
        batch = db.prune_jobs(older_than_days, batch=PRUNE_BATCH)
        deleted += batch
        if batch < PRUNE_BATCH:
            complete = True
            break
    log.info("pruned %d finished jobs older than %d days%s", deleted, older_than_days,
             "" if complete else "; stopped at the time limit, the next run deletes the rest",
             extra={"job": "prune", "deleted": deleted, "older_than_days": older_than_days, "complete": complete})
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
    deadline = None
    if settings.job_timeout_seconds is not None:
        deadline = time.monotonic() + max(1, settings.job_timeout_seconds - TIMEOUT_MARGIN_SECONDS)
    try:
        prune(db, args.older_than_days, deadline)
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
