"""The production server, started from the Procfile's command."""

import http.client
import json
import signal
import socket
import threading
import time

import pytest


def test_starts_and_answers_healthz_with_no_database_configured(start_server):
    server = start_server({})
    assert server.first_ok_at - server.started_at < 3.0  # bench/run.sh measures it precisely
    assert server.get("/readyz").status == 200
    resp = server.get("/api/users")
    assert resp.status == 503 and resp.json()["error"] == "database_not_configured"


def test_starts_at_once_when_dependencies_hang(start_server, black_hole):
    server = start_server({
        "DATABASE_URL": f"postgresql://app:pw@127.0.0.1:{black_hole}/app",
        "REDIS_URL": f"redis://127.0.0.1:{black_hole}/0",
        "READINESS_TIMEOUT_SECONDS": "1",
    })
    assert server.first_ok_at - server.started_at < 3.0

    # While readiness waits on the hanging dependencies, liveness still answers.
    readiness = {}
    probe = threading.Thread(target=lambda: readiness.update(resp=server.get("/readyz")))
    started = time.monotonic()
    probe.start()
    time.sleep(0.2)
    assert server.get("/healthz", timeout=1).status == 200
    probe.join(timeout=10)
    assert time.monotonic() - started < 2.5
    assert readiness["resp"].status == 503
    assert readiness["resp"].json()["checks"]["database"]["status"] == "fail"


def test_log_lines_are_json_and_carry_the_request_id(start_server, services):
    server = start_server({"DATABASE_URL": f"postgresql://app:pw@127.0.0.1:{services.free_port()}/app"})
    resp = server.get("/api/users", headers={"X-Request-ID": "trace-me-42"})
    assert resp.status == 503 and resp.headers["x-request-id"] == "trace-me-42"
    time.sleep(0.2)  # let the access log line reach the file
    lines = server.log_lines()  # raises if any line is not JSON
    mine = [line for line in lines if line.get("request_id") == "trace-me-42"]
    loggers = {line["logger"] for line in mine}
    assert "gunicorn.access" in loggers  # the access line
    assert "app" in loggers  # the app's warning about the database
    assert all("pw@" not in json.dumps(line) for line in lines)  # no password in any log line
    access = next(line for line in mine if line["logger"] == "gunicorn.access")
    assert access["http"]["status"] == 503 and access["http"]["path"] == "/api/users"


def test_requests_gunicorn_rejects_itself_get_json_too(start_server):
    server = start_server({})
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"Content-Type: application/json" in head
    assert b"X-Content-Type-Options: nosniff" in head
    assert json.loads(body)["error"] == "bad_request"


def test_oversized_bodies_are_413_with_or_without_content_length(start_server):
    server = start_server({})
    too_big = b"x" * (1024 * 1024 + 1)
    resp = server.request("POST", "/api/users", body=too_big, headers={"Content-Type": "application/json"})
    assert resp.status == 413 and resp.json()["error"] == "payload_too_large"

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    chunks = (too_big[i:i + 65536] for i in range(0, len(too_big), 65536))
    conn.request("POST", "/api/users", body=chunks, encode_chunked=True,
                 headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    chunked = conn.getresponse()
    assert chunked.status == 413
    assert json.loads(chunked.read())["error"] == "payload_too_large"
    conn.close()


def test_bodies_within_the_limit_are_read_whole_however_they_arrive(start_server):
    server = start_server({})  # no database: a body that parses gets as far as validation
    body = json.dumps({"username": "x"}).encode()
    exact = body.ljust(1024 * 1024, b" ")
    resp = server.request("POST", "/api/users", body=exact, headers={"Content-Type": "application/json"})
    assert resp.status == 400 and resp.json()["fields"] == {"username": "must be 3 to 64 characters long"}

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("POST", "/api/users", body=(body[i:i + 3] for i in range(0, len(body), 3)),
                 encode_chunked=True, headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    chunked = conn.getresponse()
    assert chunked.status == 400 and json.loads(chunked.read())["error"] == "validation_failed"
    conn.close()


def test_sigterm_lets_the_request_in_flight_finish_then_exits(start_server, full_env, services):
    server = start_server({**full_env, "WEB_CONCURRENCY": "1"})
    assert server.get("/api/users").status == 200  # schema in place, connection pooled

    result = {}
    with services.admin() as locker:
        with locker.transaction():
            # The insert below waits on this lock: a slow request, for real.
            locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            slow = threading.Thread(target=lambda: result.update(
                resp=server.request("POST", "/api/users", body={"username": "in-flight"}, timeout=15)))
            slow.start()
            time.sleep(0.5)
            server.proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            assert server.proc.poll() is None, "exited with a request in flight"
            with pytest.raises(OSError):  # the listening socket is closed: no new work
                server.get("/healthz", timeout=2)
        # the lock is released here; the request completes
        slow.join(timeout=10)
    assert result["resp"].status == 201, result["resp"].body
    assert server.proc.wait(timeout=10) == 0
    with services.admin() as conn:
        assert conn.execute("SELECT count(*) FROM users WHERE username = 'in-flight'").fetchone()[0] == 1
    lines = server.log_lines()
    assert any(line["logger"] == "gunicorn.access" and line["http"]["status"] == 201 for line in lines)
