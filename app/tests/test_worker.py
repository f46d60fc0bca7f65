"""The background worker (`python -m app.worker`, the Procfile's `worker:`)
against real PostgreSQL and Redis, and the scheduled job `python -m app.jobs`."""

import shutil
import signal
import time

import pytest

from app import jobs
from app.config import DEFAULT_MIGRATIONS_DIR, load_settings
from app.db import Database
from conftest import json_lines, migrate, procfile_command, run_command, wait_until

WORKER = procfile_command("worker")
PRUNE = ["python", "-m", "app.jobs", "prune"]  # the command the `schedules` setting runs


def post_user(client, username):
    resp = client.post("/api/users", json={"username": username})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def job_status(client, job_id):
    return client.get(f"/api/jobs/{job_id}").get_json()["status"]


def wait_for_job(client, job_id, status="done", deadline_s=15):
    return wait_until(lambda: job_status(client, job_id) == status, deadline_s, what=f"job {job_id} {status}")


@pytest.fixture
def worker(start_process, full_env):
    process = start_process("worker", full_env)
    process.wait_for_log("worker waiting for jobs")
    return process


def test_the_procfile_declares_the_worker():
    assert WORKER == ["python", "-m", "app.worker"]


def test_creating_a_user_queues_a_welcome_job_the_worker_runs(client, worker):
    created = post_user(client, "ada")
    assert created["welcome_job"]["status"] in ("queued", "done")
    job_id = created["welcome_job"]["id"]
    wait_for_job(client, job_id)

    user = client.get(f"/api/users/{created['id']}").get_json()
    assert user["welcome_message"] == "Welcome, ada!" and user["welcomed_at"].endswith("Z")
    assert user["welcome_job"] == {"id": job_id, "status": "done"}
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["kind"] == "welcome" and job["user_id"] == created["id"]
    assert job["attempts"] == 1 and job["error"] is None and job["finished_at"].endswith("Z")
    done = [line for line in worker.lines() if line.get("job_id") == job_id and line.get("status") == "done"]
    assert len(done) == 1


def test_unknown_users_and_jobs_are_404(client):
    assert client.get("/api/users/999999").status_code == 404
    assert client.get("/api/jobs/999999").get_json()["error"] == "not_found"


def test_the_worker_keeps_going_after_redis_restarts(client, worker, services):
    first = post_user(client, "before-restart")
    wait_for_job(client, first["welcome_job"]["id"])

    services.redis_stop()
    try:
        worker.wait_for_log("redis unavailable")
        # The user is created all the same; the answer says the job was not queued.
        during = post_user(client, "during-outage")
        assert during["welcome_job"]["status"] == "not_queued"
        assert during["welcome_job"]["reason"] == "redis_unavailable"
        assert job_status(client, during["welcome_job"]["id"]) == "not_queued"
    finally:
        services.redis_start()

    after = post_user(client, "after-restart")
    assert after["welcome_job"]["status"] in ("queued", "done")
    wait_for_job(client, after["welcome_job"]["id"], deadline_s=20)
    assert worker.proc.poll() is None  # the same process, reconnected


def test_sigterm_lets_the_current_job_finish_then_the_worker_exits_0(client, full_env, services, start_process):
    current = post_user(client, "in-progress")
    waiting = post_user(client, "still-queued")
    with services.admin() as locker:
        with locker.transaction():
            # The welcome job's write waits on this row lock: a slow job, for real.
            locker.execute("SELECT 1 FROM users WHERE id = %s FOR UPDATE", (current["id"],))
            worker = start_process("worker", full_env)
            wait_for_job(client, current["welcome_job"]["id"], status="running")
            worker.proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            assert worker.proc.poll() is None, "exited with a job in hand"
        # the lock is released here; the job completes
        assert worker.proc.wait(timeout=10) == 0
    assert job_status(client, current["welcome_job"]["id"]) == "done"
    # It stopped after the job in hand: the next one is still queued, for the next worker.
    assert job_status(client, waiting["welcome_job"]["id"]) == "queued"
    messages = [line["message"] for line in worker.lines()]
    assert "SIGTERM received: finishing the current job, then exiting" in messages
    assert messages[-1] == "worker stopped"

    # The next worker picks up where this one left off.
    start_process("worker", full_env)
    wait_for_job(client, waiting["welcome_job"]["id"])


def test_without_redis_the_user_is_created_and_the_job_is_not_queued(make_app, full_env):
    client = make_app({k: v for k, v in full_env.items() if k != "REDIS_URL"}).test_client()
    created = post_user(client, "no-queue")
    assert created["welcome_job"]["status"] == "not_queued"
    assert created["welcome_job"]["reason"] == "redis_not_configured"
    assert job_status(client, created["welcome_job"]["id"]) == "not_queued"


def test_the_worker_refuses_to_start_without_redis(full_env):
    result = run_command(WORKER, {k: v for k, v in full_env.items() if k != "REDIS_URL"}, timeout=30)
    assert result.returncode == 2
    assert "the worker needs Redis" in json_lines(result.stdout)[-1]["message"]


# --- the scheduled job ---------------------------------------------------------


def test_prune_deletes_finished_jobs_older_than_the_retention(client, full_env, services):
    user = post_user(client, "pruned")
    with services.admin() as conn:
        def job(status, finished_days_ago):
            return conn.execute(
                "INSERT INTO jobs (kind, user_id, status, created_at, finished_at)"
                " VALUES ('welcome', %s, %s, now() - interval '60 days',"
                " now() - make_interval(days => %s)) RETURNING id",
                (user["id"], status, finished_days_ago)).fetchone()[0]
        old_done, old_failed, recent_done = job("done", 31), job("failed", 40), job("done", 29)
        old_queued = conn.execute(
            "INSERT INTO jobs (kind, user_id, status, created_at) VALUES ('welcome', %s, 'queued',"
            " now() - interval '60 days') RETURNING id", (user["id"],)).fetchone()[0]

    result = run_command(PRUNE, full_env, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    pruned = [line for line in json_lines(result.stdout) if line.get("deleted") is not None]
    assert pruned[0]["deleted"] == 2 and pruned[0]["older_than_days"] == 30
    with services.admin() as conn:
        left = {row[0] for row in conn.execute("SELECT id FROM jobs")}
    assert {recent_done, old_queued} <= left and not {old_done, old_failed} & left

    shorter = run_command(PRUNE + ["--older-than-days", "7"], {**full_env, "JOBS_RETENTION_DAYS": "90"}, timeout=30)
    assert shorter.returncode == 0
    assert [line["deleted"] for line in json_lines(shorter.stdout) if "deleted" in line] == [1]


def test_prune_deletes_in_batches_and_stops_at_its_deadline(client, full_env, services, monkeypatch):
    user = post_user(client, "batched")
    with services.admin() as conn:
        conn.execute("INSERT INTO jobs (kind, user_id, status, finished_at)"
                     " SELECT 'welcome', %s, 'done', now() - interval '40 days' FROM generate_series(1, 5)",
                     (user["id"],))
    monkeypatch.setattr(jobs, "PRUNE_BATCH", 2)
    db = Database(load_settings(full_env).database)
    try:
        assert jobs.prune(db, 30, deadline=time.monotonic() - 1) == 0  # out of time: nothing started
        assert jobs.prune(db, 30) == 5  # batches of 2, 2, 1
    finally:
        db.close()


def test_prune_fails_clearly_when_the_schema_is_not_ready(empty_database):
    result = run_command(PRUNE, {"DATABASE_URL": empty_database}, timeout=30)
    assert result.returncode == 1
    assert "schema_not_ready" in json_lines(result.stdout)[-1]["message"]
    assert run_command(PRUNE + ["--older-than-days", "0"], {"DATABASE_URL": empty_database}).returncode == 2


def test_a_job_waits_while_a_migration_is_pending(client, full_env, services, start_process, tmp_path):
    # The worker of a release whose migration has not run yet (0003 is pending).
    newer = tmp_path / "migrations"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, newer)
    (newer / "0003_next_release.sql").write_text("ALTER TABLE users ADD COLUMN note text; -- 100% additive\n")
    worker = start_process("worker", {**full_env, "MIGRATIONS_DIR": str(newer)})
    created = post_user(client, "early-bird")
    put_back = worker.wait_for_log("put back: database schema_not_ready")
    assert put_back["job_id"] == created["welcome_job"]["id"]
    assert job_status(client, created["welcome_job"]["id"]) == "queued"  # not counted as a failure

    migrate(services.database_url(), directory=str(newer))
    wait_for_job(client, created["welcome_job"]["id"])
