"""A dependency that goes away and comes back: readiness flips, requests fail
fast with 503 while it is away and recover without restarting the server."""

import time

import pytest

from app.db import RETRY_INTERVAL_SECONDS
from conftest import wait_for_status


@pytest.fixture
def server(start_server, full_env):
    # Two workers, each with its own pool: both must notice and recover.
    return start_server({**full_env, "WEB_CONCURRENCY": "2", "READINESS_TIMEOUT_SECONDS": "1"})


def all_ok(server, path, n=30):
    return [server.get(path).status for _ in range(n)]


def test_database_outage_and_recovery(server, services):
    assert server.request("POST", "/api/users", body={"username": "before-outage"}).status == 201
    assert all_ok(server, "/api/users") == [200] * 30  # every worker holds pooled connections

    services.pg_stop()
    try:
        started = time.monotonic()
        ready = server.get("/readyz")
        assert ready.status == 503 and ready.json()["failed"] == ["database"]
        users = server.get("/api/users")
        assert users.status == 503 and users.json()["error"] == "database_unavailable"
        assert users.headers["retry-after"] == "1"
        write = server.request("POST", "/api/users", body={"username": "during-outage"})
        assert write.status == 503
        assert time.monotonic() - started < 3.0  # answered promptly, not hanging
        assert server.get("/healthz").status == 200  # liveness is unaffected
        assert server.get("/api/cache-test").status == 200  # so is the other dependency
    finally:
        services.pg_start()
    back = time.monotonic()

    # Found again within about a second, by both workers: a worker whose last
    # attempt failed tries again after RETRY_INTERVAL_SECONDS, failing fast until then.
    assert wait_for_status(server, "/readyz", 200, deadline_s=10) - back < 2.5
    assert wait_for_status(server, "/api/users", 200, deadline_s=5) - back < 2.5
    time.sleep(RETRY_INTERVAL_SECONDS)
    assert all_ok(server, "/api/users") == [200] * 30
    assert server.request("POST", "/api/users", body={"username": "after-outage"}).status == 201
    names = [u["username"] for u in server.get("/api/users").json()["users"]]
    assert names == ["after-outage", "before-outage"]  # the failed write left nothing behind


def test_redis_outage_and_recovery(server, services):
    assert all_ok(server, "/api/cache-test") == [200] * 30

    services.redis_stop()
    try:
        ready = server.get("/readyz")
        assert ready.status == 503 and ready.json()["failed"] == ["redis"]
        resp = server.get("/api/cache-test")
        assert resp.status == 503 and resp.json()["error"] == "redis_unavailable"
        assert server.get("/api/users").status == 200
    finally:
        services.redis_start()
    back = time.monotonic()

    assert wait_for_status(server, "/readyz", 200, deadline_s=10) - back < 2.5
    assert wait_for_status(server, "/api/cache-test", 200, deadline_s=5) - back < 2.5
    assert all_ok(server, "/api/cache-test") == [200] * 30
