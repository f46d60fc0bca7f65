"""Fixtures for the container tests. container/test.sh starts the engine,
builds the stand-in bases and starts PostgreSQL and Redis on the host,
listening on the Docker bridge address; it passes their coordinates in
CONTAINER_*."""

from __future__ import annotations

import http.client
import json
import os
import shlex
import subprocess
import sys
import tarfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import psycopg
import pytest

HERE = Path(__file__).resolve().parent
APP_DIR = HERE.parent
sys.path.insert(0, str(HERE))

from build import build, docker  # noqa: E402

IMAGE = "flask-multicloud:container-test"


@dataclass
class Response:
    status: int
    body: object


@dataclass
class Container:
    id: str
    ip: str
    port: int = 8080

    def request(self, method: str, path: str, body: Optional[dict] = None, timeout: float = 5) -> Response:
        conn = http.client.HTTPConnection(self.ip, self.port, timeout=timeout)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body=payload, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            return Response(resp.status, parsed)
        finally:
            conn.close()

    def get(self, path: str, timeout: float = 5) -> Response:
        return self.request("GET", path, timeout=timeout)

    def inspect(self, template: str) -> str:
        return docker("inspect", "-f", template, self.id).stdout.strip()

    def logs(self) -> str:
        done = docker("logs", self.id, check=False)
        return (done.stdout + done.stderr)[-4000:]


def wait_for_200(container: Container, path: str = "/healthz", deadline_s: float = 10,
                 interval: float = 0.01) -> float:
    """Polls path until it answers 200; returns the monotonic time it did."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if container.get(path, timeout=1).status == 200:
                return time.monotonic()
        except OSError:
            pass
        time.sleep(interval)
    raise AssertionError(f"{path} gave no 200 within {deadline_s} s; logs:\n{container.logs()}")


@pytest.fixture(scope="session")
def image() -> str:
    build(APP_DIR, IMAGE)
    return IMAGE


@dataclass
class Dependencies:
    host: str  # the bridge address, as containers reach the host
    pg_port: int
    pg_password: str
    pg_db: str
    redis_port: int
    redis_password: str

    def env(self) -> Dict[str, str]:
        return {
            "DB_HOST": self.host, "DB_PORT": str(self.pg_port), "DB_NAME": self.pg_db, "DB_USER": "app",
            "DB_PASSWORD": self.pg_password, "REDIS_HOST": self.host, "REDIS_PORT": str(self.redis_port),
            "REDIS_PASSWORD": self.redis_password,
        }

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.pg_port, dbname=self.pg_db, user="app",
                               password=self.pg_password, autocommit=True)


def env_args(env: Dict[str, str]) -> List[str]:
    return [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]


@pytest.fixture(scope="session")
def dependencies(image) -> Dependencies:
    names = ["CONTAINER_HOST", "CONTAINER_PG_PORT", "CONTAINER_PG_PASSWORD", "CONTAINER_PG_DB",
             "CONTAINER_REDIS_PORT", "CONTAINER_REDIS_PASSWORD"]
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        pytest.exit(f"{', '.join(missing)} not set: run the tests through container/test.sh", returncode=2)
    env = os.environ
    deps = Dependencies(env["CONTAINER_HOST"], int(env["CONTAINER_PG_PORT"]), env["CONTAINER_PG_PASSWORD"],
                        env["CONTAINER_PG_DB"], int(env["CONTAINER_REDIS_PORT"]), env["CONTAINER_REDIS_PASSWORD"])
    # The schema, made as the platforms make it before a rollout: the image's
    # release command (the web process only checks it).
    release = docker("run", "--rm", "--read-only", "--tmpfs", "/tmp", *env_args(deps.env()), image,
                     "python", "-m", "app.migrate", timeout=120, check=False)
    assert release.returncode == 0, f"release exited {release.returncode}: {release.stdout}{release.stderr}"
    return deps


def procfile(process: str) -> Optional[List[str]]:
    """The command of one Procfile line (web, release, ...), or None."""
    for line in (APP_DIR / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return shlex.split(command)
    return None


@pytest.fixture
def run_container() -> Iterator:
    """Starts containers as the platforms do: read-only root filesystem, a
    tmpfs /tmp, the image's own user and command. Removes them afterwards."""
    started: List[str] = []

    def run(image: str, env: Optional[Dict[str, str]] = None, extra: Optional[List[str]] = None,
            command: Optional[List[str]] = None) -> Container:
        name = f"fmc-test-{uuid.uuid4().hex[:8]}"
        args = ["run", "--detach", "--name", name, "--read-only", "--tmpfs", "/tmp", *env_args(env or {})]
        container_id = docker(*args, *(extra or []), image, *(command or [])).stdout.strip()
        started.append(container_id)
        ip = docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", container_id).stdout.strip()
        return Container(container_id, ip)

    def remove_all() -> None:
        while started:
            docker("rm", "--force", "--volumes", started.pop(), check=False)

    run.remove_all = remove_all
    yield run
    remove_all()


def image_paths(image: str) -> List[str]:
    """Every path in image's filesystem, as `docker export` lists it."""
    created = docker("create", image, "none").stdout.strip()
    try:
        with subprocess.Popen(["docker", "export", created], stdout=subprocess.PIPE) as proc:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
                return ["/" + member.name.lstrip("./").rstrip("/") for member in archive]
    finally:
        docker("rm", created, check=False)


def pytest_sessionfinish(session, exitstatus):
    """With CONTAINER_TESTS_REQUIRED=1 (CI), a skipped test fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and os.environ.get("CONTAINER_TESTS_REQUIRED") == "1" and session.exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"{skipped} container test(s) skipped, and CONTAINER_TESTS_REQUIRED=1", red=True)
