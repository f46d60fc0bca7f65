"""The API contract, in process, against the real PostgreSQL and Redis."""

import json
import threading
import time

import pytest

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def assert_json_error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["error"] == code
    assert body["request_id"] == resp.headers["X-Request-ID"]
    assert "Traceback" not in resp.get_data(as_text=True)
    return body


def post_user(client, username, **kw):
    return client.post("/api/users", json={"username": username}, **kw)


# --- service endpoints ------------------------------------------------------


def test_index_names_the_service(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.get_json() == {"service": "svc-under-test", "version": "1.2.3", "environment": "test"}


def test_healthz_is_ok(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_both_dependencies_answer(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"


# --- users --------------------------------------------------------------------


def test_create_user_returns_the_committed_record(client, services):
    resp = post_user(client, "ada")
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["username"] == "ada" and isinstance(body["id"], int)
    assert body["created_at"].endswith("Z")
    with services.admin() as conn:  # another connection sees it: it was committed
        assert conn.execute("SELECT username FROM users WHERE id = %s", (body["id"],)).fetchone() == ("ada",)


def test_list_users_is_newest_first_and_paginated(client):
    for i in range(5):
        assert post_user(client, f"user-{i}").status_code == 201
    first = client.get("/api/users?limit=2").get_json()
    assert [u["username"] for u in first["users"]] == ["user-4", "user-3"]
    second = client.get(f"/api/users?limit=2&before={first['next_before']}").get_json()
    assert [u["username"] for u in second["users"]] == ["user-2", "user-1"]
    last = client.get(f"/api/users?limit=2&before={second['next_before']}").get_json()
    assert [u["username"] for u in last["users"]] == ["user-0"]
    assert last["next_before"] is None


def test_list_users_default_page(client):
    body = client.get("/api/users").get_json()
    assert body == {"users": [], "next_before": None}


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "limit=1_0", "before=-1", "before=x", "limit= 5"])
def test_list_users_rejects_bad_query(client, query):
    body = assert_json_error(client.get(f"/api/users?{query}"), 400, "invalid_query")
    assert body["fields"]


def test_duplicate_username_is_409_and_later_writes_still_work(client):
    assert post_user(client, "grace").status_code == 201
    body = assert_json_error(post_user(client, "grace"), 409, "duplicate")
    assert body["fields"] == {"username": "already exists"}
    assert post_user(client, "hopper").status_code == 201
    assert client.get("/api/stats").get_json()["users"] == 2


def test_concurrent_duplicates_create_exactly_one(client):
    results = []

    def attempt():
        results.append(post_user(client, "same-name").status_code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201] + [409] * 7


@pytest.mark.parametrize(
    "name",
    [
        "Robert'); DROP TABLE users;--",
        "' OR '1'='1",
        "admin'--",
        "%s %(x)s $1 \\x00",
        "1; SELECT pg_sleep(10)",
        "ünïcødé 名前",
    ],
)
def test_values_that_look_like_sql_are_stored_literally(client, services, name):
    resp = post_user(client, name)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["username"] == name
    assert client.get("/api/users").get_json()["users"][0]["username"] == name
    with services.admin() as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1
        assert conn.execute("SELECT username FROM users").fetchone()[0] == name


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"{'username': 'single-quotes'}",
        b'{"username": "x"} trailing',
        b"\xff\xfe\x00garbage",
        b'{"username": NaN}',
        b"[" * 100_000,
        b"",
    ],
)
def test_bad_json_is_400(client, body):
    resp = client.post("/api/users", data=body, content_type="application/json")
    assert_json_error(resp, 400, "invalid_json")


@pytest.mark.parametrize("body", [[], "ada", 3, None])
def test_json_that_is_not_an_object_is_400(client, body):
    resp = client.post("/api/users", data=json.dumps(body), content_type="application/json")
    assert_json_error(resp, 400, "invalid_json")


def test_wrong_content_type_is_415(client):
    resp = client.post("/api/users", data='{"username": "ada"}', content_type="text/plain")
    assert_json_error(resp, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "payload, field, problem",
    [
        ({}, "username", "is required"),
        ({"username": "ada", "admin": True}, "admin", "unknown field"),
        ({"username": 42}, "username", "must be a string"),
        ({"username": None}, "username", "must be a string"),
        ({"username": ["ada"]}, "username", "must be a string"),
        ({"username": "ab"}, "username", "must be 3 to 64 characters long"),
        ({"username": "x" * 65}, "username", "must be 3 to 64 characters long"),
        ({"username": " ada"}, "username", "must not start or end with whitespace"),
        ({"username": "ada\n"}, "username", "must not start or end with whitespace"),
        ({"username": "a\x00da"}, "username", "must not contain control or invisible characters"),
        ({"username": "a\u200bda"}, "username", "must not contain control or invisible characters"),
        ({"username": "a\u2028da"}, "username", "must not contain control or invisible characters"),
    ],
)
def test_bad_fields_are_400_and_name_the_field(client, payload, field, problem):
    body = assert_json_error(client.post("/api/users", json=payload), 400, "validation_failed")
    assert body["fields"][field] == problem


def test_username_is_normalised_so_lookalikes_collide(client):
    assert post_user(client, "caf\u00e9").status_code == 201  # precomposed é
    assert_json_error(post_user(client, "cafe\u0301"), 409, "duplicate")  # e + combining accent


def test_body_over_one_mebibyte_is_413(client):
    resp = client.post("/api/users", data=b"x" * (1024 * 1024 + 1), content_type="application/json")
    assert_json_error(resp, 413, "payload_too_large")


def test_body_of_exactly_the_limit_is_read(client):
    padded = json.dumps({"username": "ada"}).encode().ljust(1024 * 1024, b" ")
    assert client.post("/api/users", data=padded, content_type="application/json").status_code == 201


# --- stats and cache -------------------------------------------------------------


def test_stats_counts_users(client):
    assert client.get("/api/stats").get_json() == {"users": 0, "users_last_24h": 0, "latest_user_at": None}
    post_user(client, "one")
    post_user(client, "two")
    body = client.get("/api/stats").get_json()
    assert body["users"] == 2 and body["users_last_24h"] == 2 and body["latest_user_at"].endswith("Z")


def test_cache_test_increments_per_call(client):
    counts = [client.get("/api/cache-test").get_json()["counter"] for _ in range(3)]
    assert counts == [1, 2, 3]


# --- errors and headers ------------------------------------------------------------


def test_unknown_path_is_json_404_with_security_headers(client):
    resp = client.get("/no/such/thing")
    assert_json_error(resp, 404, "not_found")
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers[name] == value


def test_wrong_method_is_json_405_with_allow(client):
    resp = client.delete("/api/users")
    assert_json_error(resp, 405, "method_not_allowed")
    assert "POST" in resp.headers["Allow"]


def test_unhandled_exception_is_json_500_without_traceback(make_app, full_env):
    app = make_app(full_env)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    resp = app.test_client().get("/boom")
    body = assert_json_error(resp, 500, "internal_error")
    assert "secret internals" not in json.dumps(body)
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_when_the_client_came_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    over_tls = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert over_tls.headers["Strict-Transport-Security"].startswith("max-age=")


def test_request_id_is_echoed_when_safe_and_generated_otherwise(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id; <script>"}).headers["X-Request-ID"]
    assert generated != "abc-123" and len(generated) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != client.get("/healthz").headers["X-Request-ID"]


# --- failures that must not leak into later requests ---------------------------------


def test_a_failed_write_does_not_poison_later_queries(make_app, full_env, services):
    # One pooled connection, so the request after the failure reuses it.
    app = make_app({**full_env, "DB_POOL_MAX_SIZE": "1", "DB_STATEMENT_TIMEOUT_MS": "300"})
    client = app.test_client()
    assert post_user(client, "before").status_code == 201
    with services.admin() as locker:
        with locker.transaction():
            locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            assert_json_error(post_user(client, "blocked"), 503, "database_unavailable")
    assert post_user(client, "after").status_code == 201
    names = [u["username"] for u in client.get("/api/users").get_json()["users"]]
    assert names == ["after", "before"]


def test_a_write_whose_commit_fails_is_503_not_201(client, services):
    assert post_user(client, "warm-up").status_code == 201  # creates the schema
    with services.admin() as conn:
        conn.execute(
            """
            CREATE FUNCTION reject_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.username LIKE 'reject-at-commit%' THEN RAISE EXCEPTION 'rejected at commit'; END IF;
              RETURN NULL;
            END $$
            """
        )
        conn.execute(
            "CREATE CONSTRAINT TRIGGER reject_at_commit AFTER INSERT ON users"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reject_at_commit()"
        )
    try:
        resp = post_user(client, "reject-at-commit-1")
        assert_json_error(resp, 503, "database_unavailable")
        assert post_user(client, "accepted").status_code == 201
        with services.admin() as conn:
            names = [r[0] for r in conn.execute("SELECT username FROM users ORDER BY id")]
        assert names == ["warm-up", "accepted"]
    finally:
        with services.admin() as conn:
            conn.execute("DROP TRIGGER reject_at_commit ON users")
            conn.execute("DROP FUNCTION reject_at_commit()")


# --- configurations -------------------------------------------------------------------


def test_without_a_database_the_app_runs_and_database_routes_say_why(make_app):
    client = make_app({}).test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": {"status": "not_configured"},
                                          "redis": {"status": "not_configured"}}
    for path in ("/api/users", "/api/stats"):
        body = assert_json_error(client.get(path), 503, "database_not_configured")
        assert "DATABASE_URL" in body["message"]
    assert_json_error(post_user(client, "ada"), 503, "database_not_configured")
    assert_json_error(client.get("/api/cache-test"), 503, "redis_not_configured")


def test_unreachable_dependencies_fail_readiness_quickly(make_app, services):
    closed_port = services.free_port()
    client = make_app({
        "DATABASE_URL": f"postgresql://app:x@127.0.0.1:{closed_port}/app",
        "REDIS_URL": f"redis://127.0.0.1:{closed_port}/0",
        "READINESS_TIMEOUT_SECONDS": "1",
    }).test_client()
    resp = client.get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["failed"] == ["database", "redis"]
    assert body["checks"]["database"]["status"] == "fail"
    assert_json_error(client.get("/api/users"), 503, "database_unavailable")
    assert_json_error(client.get("/api/cache-test"), 503, "redis_unavailable")


def test_database_from_parts_over_tcp_with_password(make_app, services, full_env):
    client = make_app({"DB_HOST": "127.0.0.1", "DB_PORT": str(services.pg_port), "DB_NAME": "app_test",
                       "DB_USER": "app", "DB_PASSWORD": services.pg_password}).test_client()
    assert post_user(client, "over-tcp").status_code == 201


def test_wrong_database_password_is_503_not_500(make_app, services, full_env):
    client = make_app({"DB_HOST": "127.0.0.1", "DB_PORT": str(services.pg_port), "DB_NAME": "app_test",
                       "DB_USER": "app", "DB_PASSWORD": "wrong"}).test_client()
    started = time.monotonic()
    assert_json_error(client.get("/api/users"), 503, "database_unavailable")
    assert client.get("/readyz").status_code == 503
    assert time.monotonic() - started < 1.0  # a refused login is reported at once


def test_database_over_a_unix_socket_directory_like_cloud_sql(make_app, services, full_env):
    client = make_app({"DB_HOST": services.pg_socket_dir, "DB_PORT": str(services.pg_port),
                       "DB_NAME": "app_test", "DB_USER": "app"}).test_client()
    assert post_user(client, "via-socket").status_code == 201
    assert client.get("/readyz").get_json()["checks"]["database"]["status"] == "ok"


def test_redis_from_parts_with_password(make_app, services):
    client = make_app({"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(services.redis_port),
                       "REDIS_PASSWORD": services.redis_password}).test_client()
    assert client.get("/api/cache-test").status_code == 200


def test_wrong_redis_password_is_503(make_app, services):
    client = make_app({"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(services.redis_port),
                       "REDIS_PASSWORD": "wrong"}).test_client()
    assert_json_error(client.get("/api/cache-test"), 503, "redis_unavailable")
