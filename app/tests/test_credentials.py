"""Credentials the database keeps rejecting (a rotated password) make /healthz
fail, so the platform replaces the instance; nothing else about the database
ever does."""

import json
import time
import uuid

import psycopg
import pytest
from psycopg import sql

from app.db import RETRY_INTERVAL_SECONDS, credentials_rejected
from app.liveness import CredentialsWatch
from app.logs import JsonFormatter
from conftest import migrate, wait_for_status

FAST = {"DB_AUTH_FAILURE_THRESHOLD": "3", "DB_AUTH_FAILURE_MIN_SECONDS": "1"}
TRIGGER_HAPPY = {"DB_AUTH_FAILURE_THRESHOLD": "1", "DB_AUTH_FAILURE_MIN_SECONDS": "0"}


@pytest.mark.parametrize(
    "message, rejected",
    [
        ('connection failed: FATAL:  password authentication failed for user "app"', True),  # 28P01
        ('connection failed: FATAL:  PAM authentication failed for user "app"', True),  # 28000, RDS IAM
        ('connection to server at "10.0.0.5", port 5432 failed: FATAL:  password authentication failed '
         'for user "app"\nconnection to server at "10.0.0.5", port 5432 failed: FATAL:  no pg_hba.conf '
         'entry for host "10.0.1.7", user "app", database "app", no encryption', True),
        ('connection failed: FATAL:  no pg_hba.conf entry for host "10.0.1.7", user "app"', False),
        ('connection failed: FATAL:  database "app" does not exist', False),
        ("connection failed: FATAL:  sorry, too many clients already", False),
        ("connection failed: fe_sendauth: no password supplied", False),
        ("connection failed: Connection refused\n\tIs the server running on that host?", False),
        ("connection failed: connection timeout expired", False),
        ("connection failed: server closed the connection unexpectedly", False),
    ],
)
def test_only_the_servers_refusal_of_the_credentials_counts(message, rejected):
    assert credentials_rejected(psycopg.OperationalError(message)) is rejected


def test_the_verdict_needs_enough_failures_over_enough_time():
    now = [1000.0]
    watch = CredentialsWatch(threshold=3, min_seconds=30, clock=lambda: now[0])

    for _ in range(5):  # a burst: many rejections, but within seconds
        watch.rejected("password authentication failed", "db")
        now[0] += 1
    assert watch.verdict() is None
    now[0] += 30
    watch.rejected("password authentication failed", "db")
    assert watch.verdict()["consecutive_failures"] == 6

    watch.accepted()  # any successful connection starts over
    assert watch.verdict() is None
    watch.rejected("password authentication failed", "db")
    now[0] += 60
    watch.rejected("password authentication failed", "db")
    assert watch.verdict() is None  # two in a row are not three

    assert CredentialsWatch(threshold=0, min_seconds=0).verdict() is None  # 0 turns it off


def wrong_password_url(services):
    return services.database_url().replace(f":{services.pg_password}@", ":not-the-password@")


def test_rejected_credentials_make_healthz_fail(make_app, services, caplog):
    assert "not-the-password" in wrong_password_url(services)
    client = make_app({"DATABASE_URL": wrong_password_url(services), **FAST}).test_client()
    started = time.monotonic()
    live_answers = 0
    while time.monotonic() - started < 10:
        resp = client.get("/api/users")
        assert resp.status_code == 503 and resp.get_json()["error"] == "database_unavailable"
        health = client.get("/healthz")
        if health.status_code == 503:
            break
        live_answers += 1
        time.sleep(0.05)
    took = time.monotonic() - started
    assert health.status_code == 503, "still live after 10 s of rejected credentials"
    body = health.get_json()
    assert body["status"] == "credentials_rejected"
    assert body["dependency"] == "database" and body["consecutive_failures"] == 3
    # Not at the first rejection: three of them (one attempt a second), over at least a second.
    assert live_answers > 0 and took >= max(1.0, 2 * RETRY_INTERVAL_SECONDS) - 0.1

    checks = client.get("/readyz").get_json()["checks"]
    assert checks["database"] == {"status": "fail", "reason": "credentials_rejected"}
    assert client.get("/healthz").status_code == 503  # and it stays so

    errors = [r for r in caplog.records if r.levelname == "ERROR" and "credentials" in r.getMessage()]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "replaces this instance" in errors[0].getMessage()
    formatted = [JsonFormatter().format(r) for r in caplog.records]
    assert not any("not-the-password" in line for line in formatted)


def test_the_right_password_keeps_healthz_ok(make_app, services, full_env):
    client = make_app({**full_env, **TRIGGER_HAPPY}).test_client()
    for _ in range(10):
        assert client.get("/api/users").status_code == 200
        assert client.get("/healthz").get_json() == {"status": "ok"}


def test_a_database_that_is_down_never_fails_healthz(make_app, services):
    refused = f"postgresql://app:pw@127.0.0.1:{services.free_port()}/app"
    client = make_app({"DATABASE_URL": refused, **TRIGGER_HAPPY}).test_client()
    started = time.monotonic()
    while time.monotonic() - started < 2 * RETRY_INTERVAL_SECONDS + 0.3:  # three real attempts
        resp = client.get("/api/users")
        assert resp.status_code == 503
        assert client.get("/healthz").status_code == 200
        time.sleep(0.05)
    assert client.get("/readyz").get_json()["checks"]["database"]["reason"] == "connection_failed"


def test_a_database_that_hangs_never_fails_healthz(make_app, black_hole):
    hanging = f"postgresql://app:pw@127.0.0.1:{black_hole}/app"
    client = make_app({"DATABASE_URL": hanging, "DB_CONNECT_TIMEOUT_SECONDS": "2", **TRIGGER_HAPPY}).test_client()
    assert client.get("/api/users").status_code == 503  # after the 2 s connect timeout
    assert client.get("/healthz").status_code == 200


@pytest.fixture
def rotating_role(services):
    """A role and database of their own, whose password the test can rotate."""
    role, dbname = "rotating_app", "rotating_test"
    passwords = {"old": f"old-{uuid.uuid4().hex}", "new": f"new-{uuid.uuid4().hex}"}

    def drop(conn):
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    with services.admin("postgres") as conn:
        drop(conn)
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(passwords["old"])))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(dbname), sql.Identifier(role)))

    def set_password(which: str, end_sessions: bool = False):
        with services.admin("postgres") as conn:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(passwords[which])))
            if end_sessions:
                # Open sessions outlive a password change; pooled connections are
                # replaced sooner or later, and those replacements are what fail.
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))

    url = f"postgresql://{role}:{passwords['old']}@127.0.0.1:{services.pg_port}/{dbname}"
    migrate(url)
    yield {
        "url": url,
        "passwords": passwords,
        "set_password": set_password,
    }
    with services.admin("postgres") as conn:
        drop(conn)


def test_a_rotated_password_fails_healthz_on_every_worker_until_a_connection_succeeds(
        start_server, rotating_role):
    server = start_server({"DATABASE_URL": rotating_role["url"], "WEB_CONCURRENCY": "2", **FAST})
    assert server.request("POST", "/api/users", body={"username": "before-rotation"}).status == 201
    assert [server.get("/api/users").status for _ in range(20)] == [200] * 20

    rotating_role["set_password"]("new", end_sessions=True)
    deadline = time.monotonic() + 15
    while server.get("/healthz").status != 503:
        assert time.monotonic() < deadline, "still live 15 s after the password was rotated"
        assert server.get("/api/users").status == 503
        time.sleep(0.05)
    # The verdict is shared: whichever worker answers, it says the same.
    answers = [server.get("/healthz") for _ in range(40)]
    assert {a.status for a in answers} == {503}
    assert {a.json()["status"] for a in answers} == {"credentials_rejected"}

    # Any successful connection makes every worker live again.
    rotating_role["set_password"]("old")
    wait_for_status(server, "/api/users", 200, deadline_s=10)
    assert [server.get("/healthz").status for _ in range(40)] == [200] * 40

    time.sleep(0.2)  # let the last lines reach the log file
    lines = server.log_lines()
    verdicts = [line for line in lines
                if line.get("reason") == "credentials_rejected" and line["severity"] == "ERROR"]
    assert 1 <= len(verdicts) <= 2  # once; two workers can only race into it at the same instant
    assert "replaces this instance" in verdicts[0]["message"]
    text = json.dumps(lines)
    assert not any(password in text for password in rotating_role["passwords"].values())
