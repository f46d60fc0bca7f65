"""gunicorn settings. Values come from app.config, the one place that reads
the environment; this file only says how gunicorn should use them."""

import os
import sys
import threading

# gunicorn runs this file before it puts the working directory on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app.config import load_server_settings  # noqa: E402
from app.gunicorn_support import install_json_error_pages  # noqa: E402

_server = load_server_settings()

bind = [f"0.0.0.0:{_server.port}"]

# Threaded workers: a request waiting on PostgreSQL or Redis holds a thread,
# not a whole process. One process per usable CPU (WEB_CONCURRENCY), several
# threads each (GUNICORN_THREADS).
# Note: gunicorn runs gthread whenever threads > 1, even if sync is asked for.
worker_class = "gthread"
workers = _server.workers
threads = _server.threads

# Load the app once in the master and fork: workers start in milliseconds and
# share memory. Safe because create_app() opens no connection (pools are
# created per process on first use).
preload_app = True

keepalive = _server.keepalive_seconds
graceful_timeout = _server.graceful_timeout_seconds
# Seconds a worker may go without a heartbeat before the master replaces it.
timeout = 30

# The root filesystem is read-only on the platforms.
worker_tmp_dir = _server.worker_tmp_dir

logger_class = "app.gunicorn_support.GunicornJsonLogger"
accesslog = "-"
errorlog = "-"
loglevel = _server.log_level.lower()

install_json_error_pages()


def on_starting(server):
    # A platform that runs the web process only (Elastic Beanstalk) sets
    # RELEASE_ON_START: the master then runs the release command itself before
    # it listens or forks a worker, so no worker serves an old schema. Instances
    # starting at once queue on the migrations' advisory lock. A failed release
    # stops the master: the instance never gets healthy, and the rollout stops.
    if not _server.release_on_start:
        return
    from app import migrate  # psycopg is imported only when asked for

    server.log.info("RELEASE_ON_START: applying pending migrations before the workers start")
    try:
        status = migrate.main([])
    except Exception:
        server.log.exception("RELEASE_ON_START: the release command raised; not starting")
        status = 1
    if status != 0:
        server.log.error("RELEASE_ON_START: the release command exited %d; not starting", status)
        raise SystemExit(status)


def _resources(worker):
    app = getattr(worker, "wsgi", None)
    return getattr(app, "extensions", {}).get("flask_multicloud") if app else None


def post_worker_init(worker):
    # The worker is about to accept requests; import the database and Redis
    # drivers beside it rather than in the first request that needs them.
    resources = _resources(worker)
    if resources is not None:
        threading.Thread(target=resources.warm_up, name="warm-up", daemon=True).start()


def worker_exit(server, worker):
    # Close pooled connections cleanly so PostgreSQL does not log each one
    # as an unexpected EOF when an instance scales in or restarts.
    resources = _resources(worker)
    if resources is not None:
        resources.close()
