"""Shared fixtures. The servers come from scripts/test.sh, which starts real
PostgreSQL and Redis on loopback and passes their coordinates in TEST_*."""

from __future__ import annotations

import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import psycopg
import pytest
import redis

APP_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(APP_DIR))

from app import create_app  # noqa: E402
from app.config import DEFAULT_MIGRATIONS_DIR, load_settings  # noqa: E402
from app.migrate import apply, discover  # noqa: E402

TEST_DB = "app_test"
# Everything the migrations create, dropped before each test that starts clean.
SCHEMA_TABLES = ("jobs", "users", "schema_migrations")


def migrate(url: str, directory: str = DEFAULT_MIGRATIONS_DIR, upto: Optional[str] = None) -> None:
    """What the release command does, in this process: the schema the app
    needs (up to and including version `upto` when given)."""
    migrations = [m for m in discover(directory) if upto is None or m.version <= upto]
    apply(load_settings({"DATABASE_URL": url}).database.conninfo, migrations)


def reset_schema(url: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {', '.join(SCHEMA_TABLES)} CASCADE")


def _require(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run the tests through scripts/test.sh", returncode=2)
    return value


@dataclass
class Services:
    script: str
    pg_dir: str
    pg_port: int
    pg_password: str
    redis_dir: str
    redis_port: int
    redis_password: str
    work_dir: str

    def run(self, *args: str) -> str:
        done = subprocess.run(["bash", self.script, *args], check=True, capture_output=True, text=True, timeout=60)
        return done.stdout.strip()

    def free_port(self) -> int:
        return int(self.run("free-port"))

    def pg_stop(self) -> None:
        self.run("pg-stop", self.pg_dir)

    def pg_start(self) -> None:
        self.run("pg-start", self.pg_dir, str(self.pg_port))

    def redis_stop(self) -> None:
        self.run("redis-stop", self.redis_dir)

    def redis_start(self) -> None:
        self.run("redis-start", self.redis_dir, str(self.redis_port), self.redis_password)

    @property
    def pg_socket_dir(self) -> str:
        return os.path.join(self.pg_dir, "socket")

    def database_url(self, dbname: str = TEST_DB) -> str:
        return f"postgresql://app:{self.pg_password}@127.0.0.1:{self.pg_port}/{dbname}"

    def redis_url(self) -> str:
        return f"redis://:{self.redis_password}@127.0.0.1:{self.redis_port}/0"

    def admin(self, dbname: str = TEST_DB) -> psycopg.Connection:
        return psycopg.connect(self.database_url(dbname), autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def services() -> Services:
    svc = Services(
        script=_require("TEST_SERVICES"),
        pg_dir=_require("TEST_PG_DIR"),
        pg_port=int(_require("TEST_PG_PORT")),
        pg_password=_require("TEST_PG_PASSWORD"),
        redis_dir=_require("TEST_REDIS_DIR"),
        redis_port=int(_require("TEST_REDIS_PORT")),
        redis_password=_require("TEST_REDIS_PASSWORD"),
        work_dir=_require("TEST_WORK_DIR"),
    )
    with svc.admin("postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEST_DB,)).fetchone() is None:
            conn.execute(f"CREATE DATABASE {TEST_DB}")
    return svc


@pytest.fixture
def full_env(services) -> Dict[str, str]:
    """The environment of an app with both dependencies, starting from a clean state."""
    reset_schema(services.database_url())
    migrate(services.database_url())
    redis.Redis.from_url(services.redis_url()).flushdb()
    return {
        "APP_NAME": "svc-under-test",
        "APP_VERSION": "1.2.3",
        "APP_ENV": "test",
        "DATABASE_URL": services.database_url(),
        "REDIS_URL": services.redis_url(),
    }


@pytest.fixture
def make_app():
    created = []

    def factory(env: Dict[str, str]):
        app = create_app(load_settings(env))
        created.append(app)
        return app

    yield factory
    for app in created:
        app.extensions["flask_multicloud"].close()


@pytest.fixture
def client(make_app, full_env):
    return make_app(full_env).test_client()


# --- the production server, started the way the Procfile says -------------


def procfile_command(process: str = "web") -> List[str]:
    for line in (APP_DIR / "Procfile").read_text().splitlines():
        if line.startswith(f"{process}:"):
            return shlex.split(line[len(process) + 1:])
    raise AssertionError(f"Procfile has no {process}: line")


def process_env(env: Dict[str, str]) -> Dict[str, str]:
    """The environment a Procfile command runs with: the virtualenv first on
    PATH (scripts/test.sh), as the image's PATH has /opt/venv/bin first."""
    return {"PATH": os.environ.get("TEST_SERVER_PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1", **env}


def terminate(proc: subprocess.Popen, timeout: float = 15) -> int:
    """SIGTERM, as the platforms send; SIGKILL if it is not gone in `timeout`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(timeout=5)


@dataclass
class Response:
    status: int
    headers: Dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path
    started_at: float
    first_ok_at: Optional[float] = None
    _closed: bool = field(default=False)

    def request(self, method: str, path: str, body=None, headers=None, timeout: float = 10) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                headers = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def log_lines(self) -> List[dict]:
        lines = []
        for raw in self.log_path.read_text().splitlines():
            lines.append(json.loads(raw))  # every line must be JSON
        return lines

    def terminate(self, timeout: float = 15) -> int:
        return terminate(self.proc, timeout)


def wait_for_status(server: Server, path: str, status: int, deadline_s: float, interval: float = 0.01) -> float:
    """Poll until `path` answers `status`; returns the monotonic time it did."""
    deadline = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = server.get(path, timeout=2).status
            if last == status:
                return time.monotonic()
        except OSError:
            pass
        if server.proc.poll() is not None:
            raise AssertionError(f"server exited with {server.proc.returncode}: {server.log_path.read_text()[-2000:]}")
        time.sleep(interval)
    raise AssertionError(f"{path} did not answer {status} within {deadline_s}s (last: {last})")


@pytest.fixture
def start_server(services, tmp_path):
    servers: List[Server] = []

    def start(env: Dict[str, str], wait: bool = True) -> Server:
        port = services.free_port()
        log_path = tmp_path / f"server-{port}.log"
        full = {
            # The virtualenv's gunicorn (scripts/test.sh), as the image runs it.
            "PATH": os.environ.get("TEST_SERVER_PATH", "/usr/bin:/bin"),
            "PORT": str(port),
            "PYTHONDONTWRITEBYTECODE": "1",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            **env,
        }
        log_file = open(log_path, "wb")
        started = time.monotonic()
        proc = subprocess.Popen(procfile_command(), cwd=APP_DIR, env=full, stdout=log_file,
                                stderr=subprocess.STDOUT)
        log_file.close()
        server = Server(proc=proc, port=port, log_path=log_path, started_at=started)
        servers.append(server)
        if wait:
            server.first_ok_at = wait_for_status(server, "/healthz", 200, deadline_s=10)
        return server

    yield start
    for server in servers:
        server.terminate()


@pytest.fixture
def black_hole():
    """A port that accepts TCP connections and then never says anything,
    like a database behind a dead proxy: the worst case for start-up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


# --- the other Procfile processes: release, worker, scheduled jobs -----------


def json_lines(text: str) -> List[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_command(command: List[str], env: Dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a command from the app directory, as the image would, to its end."""
    return subprocess.run(command, cwd=APP_DIR, env=process_env(env), capture_output=True, text=True,
                          timeout=timeout)


@dataclass
class Process:
    """A long-running Procfile process (the worker), its output in a file."""

    proc: subprocess.Popen
    log_path: Path

    def lines(self) -> List[dict]:
        return json_lines(self.log_path.read_text())

    def wait_for_log(self, message: str, deadline_s: float = 15) -> dict:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            for line in self.lines():
                if message in line.get("message", ""):
                    return line
            if self.proc.poll() is not None:
                raise AssertionError(f"exited with {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.05)
        raise AssertionError(f"no log line with {message!r} within {deadline_s}s: {self.log_path.read_text()[-2000:]}")

    def terminate(self, timeout: float = 15) -> int:
        return terminate(self.proc, timeout)


@pytest.fixture
def start_process(tmp_path):
    started: List[Process] = []

    def start(process: str, env: Dict[str, str]) -> Process:
        log_path = tmp_path / f"{process}-{len(started)}.log"
        with open(log_path, "wb") as log_file:
            proc = subprocess.Popen(procfile_command(process), cwd=APP_DIR, env=process_env(env),
                                    stdout=log_file, stderr=subprocess.STDOUT)
        started.append(Process(proc, log_path))
        return started[-1]

    yield start
    for process in started:
        process.terminate()


def wait_until(predicate, deadline_s: float = 15, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns something truthy; return that."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {deadline_s}s (last: {value!r})")
        time.sleep(interval)


@pytest.fixture
def empty_database(services):
    """A database of its own with nothing in it, dropped afterwards."""
    name = f"empty_{uuid.uuid4().hex[:10]}"
    with services.admin("postgres") as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield services.database_url(name)
    with services.admin("postgres") as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
