"""The background worker: `python -m app.worker`, the Procfile's `worker`.

It takes job ids from the Redis queue (broker.py) one at a time and runs
them against PostgreSQL. The only job today is `welcome`, enqueued by
POST /api/users: it writes the user's welcome message. A job is acknowledged
only once its outcome is committed, so a worker that dies mid-job leaves the
message to be delivered again; jobs are idempotent (a job already `done` is
skipped), so that is safe.

- SIGTERM (or SIGINT): the job in hand is finished and acknowledged, then the
  process exits 0. ECS gives it `stopTimeout` (30 s here), Cloud Run 10 s.
- Redis goes away: it reconnects, with back-off up to 10 s, and carries on.
- The database is down, or the schema is behind this release (a migration
  pending): the job goes back on the queue and the worker pauses; it is not
  counted as failed.
- A job that cannot succeed (its user was deleted) is marked `failed` with the
  reason, and so is one that has been tried MAX_ATTEMPTS times.

Needs the same settings as the web process: DB_* (or DATABASE_URL), REDIS_*
(or REDIS_URL) and APP_NAME, which names the queue.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from typing import Any, Optional

from kombu.exceptions import KombuError

from .broker import Broker
from .cli import EXIT_USAGE, command_settings, first_line
from .config import Settings
from .db import WELCOME_JOB, Database, JobFailed
from .errors import DependencyUnavailable

log = logging.getLogger("app.worker")

MAX_ATTEMPTS = 5
RECONNECT_MIN_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 10.0
# After a job was put back because the database could not take it.
RETRY_PAUSE_SECONDS = 2.0
# How often the loop looks up from the queue to check for a stop signal.
POLL_SECONDS = 1.0


class Worker:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = Database(settings.database, migrations_dir=settings.migrations_dir)
        self.broker = Broker(settings.redis, app_name=settings.app_name)
        self.stopping = threading.Event()
        self.processed = 0

    def stop(self, signum: int, _frame: Any = None) -> None:
        if not self.stopping.is_set():
            log.info("%s received: finishing the current job, then exiting", signal.Signals(signum).name)
        self.stopping.set()

    def run(self) -> int:
        backoff = RECONNECT_MIN_SECONDS
        while not self.stopping.is_set():
            # The socket timeout outlasts the queue's 1 s blocking pop.
            connection = self.broker.connect(socket_timeout=max(5.0, self.settings.redis.timeout_seconds))
            errors = (KombuError, OSError) + tuple(connection.connection_errors) + tuple(connection.channel_errors)
            try:
                with connection:
                    connection.connect()
                    with connection.Consumer([self.broker.queue], callbacks=[self._on_message],
                                             accept=["json"], prefetch_count=1):
                        log.info("worker waiting for jobs", extra={"queue": self.broker.queue.name,
                                                                    "redis": self.settings.redis.description})
                        backoff = RECONNECT_MIN_SECONDS
                        while not self.stopping.is_set():
                            try:
                                connection.drain_events(timeout=POLL_SECONDS)
                            except socket.timeout:
                                pass
            except errors as exc:
                if self.stopping.is_set():
                    break
                log.warning("redis unavailable (%s); reconnecting in %.1f s", first_line(exc), backoff,
                            extra={"dependency": "redis"})
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, RECONNECT_MAX_SECONDS)
        self.db.close()
        log.info("worker stopped", extra={"jobs_processed": self.processed})
        return 0

    def _on_message(self, body: Any, message) -> None:
        job_id = body.get("job_id") if isinstance(body, dict) else None
        if not isinstance(job_id, int) or isinstance(job_id, bool):
            log.error("message without a job id dropped", extra={"body": repr(body)[:200]})
            message.ack()
            return
        try:
            self.process(job_id)
        except DependencyUnavailable as exc:
            log.warning("job %s put back: %s %s", job_id, exc.dependency, exc.reason,
                        extra={"job_id": job_id, "reason": exc.reason, "detail": exc.detail})
            message.requeue()
            self.stopping.wait(RETRY_PAUSE_SECONDS)
            return
        except Exception:
            # A bug, not the job's fault: back on the queue; MAX_ATTEMPTS ends it.
            log.exception("job %s raised; put back", job_id, extra={"job_id": job_id})
            message.requeue()
            self.stopping.wait(RETRY_PAUSE_SECONDS)
            return
        message.ack()
        self.processed += 1

    def process(self, job_id: int) -> Optional[str]:
        """Run one job to its end state; returns that state, or None when
        there was nothing to do. Raises DependencyUnavailable when the
        database cannot take it now (the caller puts it back)."""
        started = time.perf_counter()
        job = self.db.start_job(job_id)
        if job is None:
            log.info("job %s is already finished or gone: skipped", job_id, extra={"job_id": job_id})
            return None
        outcome, error = "done", None
        if job["attempts"] > MAX_ATTEMPTS:
            outcome, error = "failed", f"gave up after {MAX_ATTEMPTS} attempts"
        elif job["kind"] != WELCOME_JOB:
            outcome, error = "failed", f"unknown job kind {job['kind']!r}"
        else:
            try:
                self.db.finish_welcome_job(job_id, job["user_id"])
            except JobFailed as exc:
                outcome, error = "failed", str(exc)
        if error is not None:
            self.db.fail_job(job_id, error)
        log.log(logging.INFO if outcome == "done" else logging.WARNING, "job %s %s", job_id, outcome, extra={
            "job_id": job_id, "kind": job["kind"], "status": outcome, "attempt": job["attempts"],
            "error": error, "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        return outcome


def main(argv: Optional[list] = None) -> int:
    settings = command_settings("app.worker")
    missing = [name for name, value in (("a database (DB_HOST or DATABASE_URL)", settings.database),
                                        ("Redis (REDIS_HOST or REDIS_URL)", settings.redis)) if value is None]
    if missing:
        log.error("the worker needs %s: not configured", " and ".join(missing))
        return EXIT_USAGE
    worker = Worker(settings)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    return worker.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
