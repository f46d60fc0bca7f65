"""RELEASE_ON_START=1, for a platform that runs the web process only (Elastic
Beanstalk): gunicorn's master runs the release command (`python -m app.migrate`)
before it listens or forks a worker, and does not start when it fails."""

import shutil
import threading
import time

import psycopg
import pytest

from app.config import DEFAULT_MIGRATIONS_DIR, ConfigError, load_server_settings
from app.migrate import discover

SHIPPED = [m.id for m in discover(DEFAULT_MIGRATIONS_DIR)]


def applied(url):
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None:
            return None
        return [f"{v}_{n}" for v, n in conn.execute("SELECT version, name FROM schema_migrations ORDER BY version")]


@pytest.fixture
def migrations_copy(tmp_path):
    directory = tmp_path / "migrations"
    shutil.copytree(DEFAULT_MIGRATIONS_DIR, directory)
    return directory


def first_answer(server, path, deadline_s=30):
    """The first answer `path` gives, polling from the moment the server
    was started; fails if the server exits first."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            return server.get(path, timeout=5)
        except OSError:
            pass
        if server.proc.poll() is not None:
            raise AssertionError(f"server exited with {server.proc.returncode}: {server.log_path.read_text()[-2000:]}")
        time.sleep(0.02)
    raise AssertionError(f"{path} did not answer within {deadline_s}s")


@pytest.mark.parametrize("raw, expected", [(None, False), ("", False), ("0", False), ("1", True), ("true", True)])
def test_release_on_start_is_off_unless_set(raw, expected):
    env = {} if raw is None else {"RELEASE_ON_START": raw}
    assert load_server_settings(env, cpu_count=1).release_on_start is expected


def test_an_invalid_release_on_start_names_the_variable():
    with pytest.raises(ConfigError, match="RELEASE_ON_START='sometimes'"):
        load_server_settings({"RELEASE_ON_START": "sometimes"}, cpu_count=1)


def test_web_applies_the_migrations_before_it_serves(start_server, empty_database, services, migrations_copy):
    # Slow enough that a worker serving during the release would be seen.
    (migrations_copy / "0900_slow.sql").write_text("SELECT pg_sleep(1);\n")
    server = start_server({"DATABASE_URL": empty_database, "REDIS_URL": services.redis_url(),
                           "MIGRATIONS_DIR": str(migrations_copy), "RELEASE_ON_START": "1"}, wait=False)

    users = first_answer(server, "/api/users")
    assert users.status == 200, users.body  # never schema_not_ready: nothing listened until the release was done
    assert users.json() == {"users": [], "next_before": None}
    assert applied(empty_database) == SHIPPED + ["0900_slow"]
    assert server.request("POST", "/api/users", body={"username": "first-on-beanstalk"}).status == 201
    messages = [line["message"] for line in server.log_lines()]
    assert messages.index("database schema is up to date") < next(
        i for i, m in enumerate(messages) if m.startswith("Booting worker"))
    assert server.terminate() == 0


def test_instances_starting_at_once_apply_each_migration_once(start_server, empty_database, migrations_copy):
    (migrations_copy / "0900_slow_once.sql").write_text(
        "CREATE TABLE applied_once (at timestamptz DEFAULT clock_timestamp());\n"
        "INSERT INTO applied_once DEFAULT VALUES;\n"
        "SELECT pg_sleep(1);\n")
    env = {"DATABASE_URL": empty_database, "MIGRATIONS_DIR": str(migrations_copy), "RELEASE_ON_START": "1"}
    servers = [None, None]
    barrier = threading.Barrier(2)

    def start(i):
        barrier.wait(timeout=10)
        servers[i] = start_server(env, wait=False)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert [first_answer(s, "/api/users").status for s in servers] == [200, 200]
    assert applied(empty_database) == SHIPPED + ["0900_slow_once"]
    with psycopg.connect(empty_database, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM applied_once").fetchone()[0] == 1


def test_a_failed_release_stops_the_web_before_it_ever_serves(start_server, empty_database, migrations_copy):
    (migrations_copy / "0900_broken.sql").write_text("ALTER TABLE users ADD COLUMN nickname text;\nSELECT 1 / 0;\n")
    server = start_server({"DATABASE_URL": empty_database, "MIGRATIONS_DIR": str(migrations_copy),
                           "RELEASE_ON_START": "1"}, wait=False)

    answered = []
    deadline = time.monotonic() + 30
    while server.proc.poll() is None and time.monotonic() < deadline:
        try:
            answered.append(server.get("/healthz", timeout=1).status)
        except OSError:
            pass
        time.sleep(0.02)
    assert server.proc.poll() == 1, server.log_path.read_text()[-2000:]
    assert answered == []  # not even /healthz: the platform sees an instance that never got healthy
    lines = server.log_lines()
    assert any("migration 0900_broken failed: division by zero" in line["message"] for line in lines)
    assert any("the release command exited 1; not starting" in line["message"] for line in lines)
    assert not any(line["message"].startswith("Booting worker") for line in lines)
    assert applied(empty_database) == SHIPPED  # those before it stay applied; the broken one rolled back


def test_a_release_with_no_database_stops_the_web(start_server):
    server = start_server({"RELEASE_ON_START": "1"}, wait=False)
    assert server.proc.wait(timeout=30) == 2
    assert any("no database is configured" in line["message"] for line in server.log_lines())


@pytest.mark.parametrize("flag", [None, "0"])
def test_without_release_on_start_the_web_leaves_the_schema_alone(start_server, empty_database, flag):
    env = {"DATABASE_URL": empty_database, **({} if flag is None else {"RELEASE_ON_START": flag})}
    server = start_server(env)
    users = server.get("/api/users")
    assert users.status == 503 and users.json()["error"] == "schema_not_ready"
    assert users.json()["pending_migrations"] == SHIPPED
    assert applied(empty_database) is None  # not even schema_migrations
    assert not any("RELEASE_ON_START" in line["message"] for line in server.log_lines())
