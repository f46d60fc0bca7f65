"""The release command (`python -m app.migrate`, the Procfile's `release:`)
applies the versioned migrations in migrations/ exactly once, each in its own
transaction; the web process only checks that they have been applied."""

import shutil
import threading
import time

import pytest

from app.config import DEFAULT_MIGRATIONS_DIR
from app.migrate import MigrationError, discover
from conftest import json_lines, migrate, procfile_command, reset_schema, run_command, wait_for_status

RELEASE = procfile_command("release")
SHIPPED = [m.id for m in discover(DEFAULT_MIGRATIONS_DIR)]


def applied(conn):
    return conn.execute("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version").fetchall()


def tables(conn):
    return {row[0] for row in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}


def columns(conn, table):
    return {row[0] for row in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))}


def connect(url):
    import psycopg
    return psycopg.connect(url, autocommit=True)


@pytest.fixture
def migrations_copy(tmp_path):
    """The shipped migrations in a directory a test may add files to."""
    directory = tmp_path / "migrations"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, directory)
    return directory


def test_the_procfile_declares_the_release_command():
    assert RELEASE == ["python", "-m", "app.migrate"]
    assert SHIPPED[:2] == ["0001_create_users", "0002_jobs"]


def test_release_applies_every_migration_and_a_rerun_changes_nothing(empty_database):
    first = run_command(RELEASE, {"DATABASE_URL": empty_database})
    assert first.returncode == 0, first.stdout + first.stderr
    done = json_lines(first.stdout)[-1]
    assert done["message"] == "database schema is up to date" and done["applied"] == SHIPPED
    with connect(empty_database) as conn:
        before = applied(conn)
        assert [f"{v}_{n}" for v, n, _, _ in before] == SHIPPED
        assert {"users", "jobs", "schema_migrations"} <= tables(conn)

    again = run_command(RELEASE, {"DATABASE_URL": empty_database})
    assert again.returncode == 0, again.stdout + again.stderr
    assert json_lines(again.stdout)[-1]["applied"] == []
    with connect(empty_database) as conn:
        assert applied(conn) == before  # same rows, same applied_at


def test_a_database_the_old_web_process_created_adopts_the_first_migration(empty_database):
    with connect(empty_database) as conn:  # what the web process created at start before migrations
        conn.execute("CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                     " username text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
                     " CONSTRAINT users_username_key UNIQUE (username))")
        conn.execute("INSERT INTO users (username) VALUES ('kept')")
    result = run_command(RELEASE, {"DATABASE_URL": empty_database})
    assert result.returncode == 0, result.stdout + result.stderr
    with connect(empty_database) as conn:
        assert conn.execute("SELECT username, welcome_message FROM users").fetchall() == [("kept", None)]


def test_two_release_runners_started_at_once_apply_each_migration_exactly_once(empty_database, migrations_copy):
    # Not idempotent on purpose, and slow enough for the runners to overlap.
    (migrations_copy / "0003_slow_once.sql").write_text(
        "CREATE TABLE applied_once (at timestamptz DEFAULT clock_timestamp());\n"
        "INSERT INTO applied_once DEFAULT VALUES;\n"
        "SELECT pg_sleep(1);\n")
    env = {"DATABASE_URL": empty_database, "MIGRATIONS_DIR": str(migrations_copy)}
    barrier = threading.Barrier(2)
    results = [None, None]

    def runner(i):
        barrier.wait(timeout=10)
        results[i] = run_command(RELEASE, env)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert [r.returncode for r in results] == [0, 0], [r.stdout + r.stderr for r in results]
    outcomes = sorted((json_lines(r.stdout)[-1]["applied"] for r in results), key=len)
    assert outcomes == [[], SHIPPED + ["0003_slow_once"]]
    waited = [line for r in results for line in json_lines(r.stdout) if "waiting" in line["message"]]
    assert len(waited) == 1  # the second runner waited for the first one's lock
    with connect(empty_database) as conn:
        assert conn.execute("SELECT count(*) FROM applied_once").fetchone()[0] == 1
        versions = [row[0] for row in applied(conn)]
        assert versions == sorted(set(versions)) and len(versions) == len(SHIPPED) + 1


def test_a_broken_migration_fails_cleanly_and_leaves_the_schema_as_it_was(empty_database, migrations_copy):
    migrate(empty_database)
    with connect(empty_database) as conn:
        tables_before, users_before, applied_before = tables(conn), columns(conn, "users"), applied(conn)
    (migrations_copy / "0003_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\n"
        "ALTER TABLE users ADD COLUMN nickname text;\n"
        "SELECT 1 / 0;\n")
    env = {"DATABASE_URL": empty_database, "MIGRATIONS_DIR": str(migrations_copy)}

    result = run_command(RELEASE, env)
    assert result.returncode == 1, result.stdout + result.stderr
    error = json_lines(result.stdout)[-1]
    assert error["severity"] == "ERROR" and error["migration"] == "0003_broken"
    assert "migration 0003_broken failed: division by zero" in error["message"]
    assert "rolled back" in error["message"]
    with connect(empty_database) as conn:
        assert tables(conn) == tables_before  # no half_done
        assert columns(conn, "users") == users_before  # no nickname
        assert applied(conn) == applied_before

    # Fixed, the release runs again from where it stopped.
    (migrations_copy / "0003_broken.sql").write_text("ALTER TABLE users ADD COLUMN nickname text;\n")
    retry = run_command(RELEASE, env)
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert json_lines(retry.stdout)[-1]["applied"] == ["0003_broken"]


def test_a_migration_edited_after_it_was_applied_is_refused(empty_database, migrations_copy):
    env = {"DATABASE_URL": empty_database, "MIGRATIONS_DIR": str(migrations_copy)}
    assert run_command(RELEASE, env).returncode == 0
    with open(migrations_copy / "0002_jobs.sql", "a") as f:
        f.write("-- an edit\n")
    result = run_command(RELEASE, env)
    assert result.returncode == 1
    assert "0002_jobs was changed after it was applied" in json_lines(result.stdout)[-1]["message"]


def test_release_without_a_database_exits_2():
    result = run_command(RELEASE, {})
    assert result.returncode == 2
    assert "no database is configured" in json_lines(result.stdout)[-1]["message"]


def test_a_misnamed_migration_file_is_an_error(migrations_copy):
    (migrations_copy / "3_add_thing.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_name.sql"):
        discover(str(migrations_copy))


# --- the web process never migrates; it says when the schema is behind -----


def test_web_starts_and_answers_while_a_migration_is_pending(start_server, empty_database, services):
    migrate(empty_database, upto="0001")  # the previous release's schema
    server = start_server({"DATABASE_URL": empty_database, "REDIS_URL": services.redis_url()})
    assert server.get("/").status == 200

    users = server.get("/api/users")
    assert users.status == 503 and users.headers["retry-after"] == "5"
    body = users.json()
    assert body["error"] == "schema_not_ready" and body["pending_migrations"] == ["0002_jobs"]
    assert "python -m app.migrate" in body["message"]
    created = server.request("POST", "/api/users", body={"username": "too-early"})
    assert created.status == 503 and created.json()["error"] == "schema_not_ready"
    ready = server.get("/readyz")
    assert ready.status == 503 and ready.json()["checks"]["database"]["reason"] == "schema_not_ready"
    assert server.get("/healthz").status == 200  # liveness is not the schema's business

    release = run_command(RELEASE, {"DATABASE_URL": empty_database})
    assert release.returncode == 0, release.stdout + release.stderr
    # The same processes serve as soon as the release is done: no restart.
    wait_for_status(server, "/api/users", 200, deadline_s=5)
    assert server.request("POST", "/api/users", body={"username": "on-time"}).status == 201


def test_a_database_replaced_by_an_empty_one_says_schema_not_ready(make_app, full_env, services):
    client = make_app(full_env).test_client()
    assert client.post("/api/users", json={"username": "first"}).status_code == 201
    reset_schema(services.database_url())
    resp = client.get("/api/users")
    assert resp.status_code == 503
    assert resp.get_json()["pending_migrations"] == SHIPPED
    migrate(services.database_url())
    assert client.get("/api/users").get_json() == {"users": [], "next_before": None}
    assert client.post("/api/users", json={"username": "second"}).status_code == 201
