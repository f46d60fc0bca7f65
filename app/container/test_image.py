"""The image as shipped, built from the Dockerfile and run by a real engine:
what Fargate and Cloud Run rely on (see the README's contract)."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

import pytest
from conftest import APP_DIR, build, docker, image_paths, procfile, wait_for_200

# Docker's health check runs every 10 s by the image's settings; the tests run
# the image's own check command every second instead, so they need not wait.
FAST_HEALTH = ["--health-interval", "1s", "--health-start-period", "1s"]

SHELLS = re.compile(r"/s?bin/(sh|bash|dash|ash|busybox|zsh)$")
# Programs, in any bin directory; and the compiler proper, wherever it is.
COMPILERS = re.compile(r"/s?bin/((x86_64-linux-gnu-)?(cc|c\+\+|gcc|g\+\+|clang|cpp|ld|as)(-\d+)?)$|/cc1(plus)?$")
PACKAGE_MANAGERS = re.compile(r"/s?bin/(apt|apt-get|dpkg|apk|yum|dnf|rpm|pip|pip3(\.\d+)?)$")


def test_command_is_the_procfile_web_line_in_exec_form(image):
    config = json.loads(docker("image", "inspect", "-f", "{{json .Config}}", image).stdout)
    assert config["Cmd"] == procfile("web")
    assert not config.get("Entrypoint"), "no shell or wrapper in front: gunicorn is PID 1 and gets SIGTERM"


def test_runs_as_non_root_on_a_read_only_root(image, run_container):
    container = run_container(image)
    wait_for_200(container)
    assert container.inspect("{{.Config.User}}") == "10001:10001"
    assert container.inspect("{{.HostConfig.ReadonlyRootfs}}") == "true"
    # Every process, gunicorn's workers included (docker top needs the pid column).
    rows = docker("top", container.id, "-o", "uid,pid").stdout.splitlines()[1:]
    uids = {row.split()[0] for row in rows}
    assert uids == {"10001"}, rows


def test_healthz_answers_within_2s_of_start_and_docker_health_becomes_healthy(image, run_container):
    started = time.monotonic()
    container = run_container(image, extra=FAST_HEALTH)
    ready = wait_for_200(container, deadline_s=10) - started
    assert ready <= 2.0, f"first 200 on /healthz {ready:.2f} s after docker run"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = container.inspect("{{.State.Health.Status}}")
        if status == "healthy":
            break
        assert status == "starting", f"health {status}: {container.inspect('{{json .State.Health}}')}"
        time.sleep(0.2)
    assert status == "healthy", container.inspect("{{json .State.Health}}")


def test_api_works_against_postgresql_and_redis(image, run_container, dependencies):
    container = run_container(image, env=dependencies.env())
    wait_for_200(container)
    name = f"container-{uuid.uuid4().hex[:10]}"
    created = container.request("POST", "/api/users", body={"username": name})
    assert created.status == 201, created.body
    listed = container.get("/api/users?limit=100")
    assert listed.status == 200, listed.body
    assert name in [user["username"] for user in listed.body["users"]]
    first = container.get("/api/cache-test")
    second = container.get("/api/cache-test")
    assert first.status == 200 and second.status == 200, (first.body, second.body)
    assert second.body["counter"] == first.body["counter"] + 1
    assert container.get("/readyz").status == 200


def test_the_procfile_worker_runs_jobs_in_the_image_and_stops_with_exit_0(image, run_container, dependencies):
    # `python` must resolve on the image's PATH: the Procfile's worker and
    # release lines, and the platforms' commands, name it so.
    web = run_container(image, env=dependencies.env())
    worker = run_container(image, env=dependencies.env(), command=["python", "-m", "app.worker"])
    wait_for_200(web)
    created = web.request("POST", "/api/users", body={"username": f"queued-{uuid.uuid4().hex[:8]}"})
    assert created.status == 201 and created.body["welcome_job"]["status"] == "queued", created.body
    job = f"/api/jobs/{created.body['welcome_job']['id']}"
    deadline = time.monotonic() + 20
    while web.get(job).body["status"] != "done":
        assert time.monotonic() < deadline, f"job not done; worker logs:\n{worker.logs()}"
        time.sleep(0.2)
    docker("stop", "--time", "10", worker.id, timeout=30)
    assert worker.inspect("{{.State.ExitCode}}") == "0", worker.logs()
    assert "worker stopped" in worker.logs()


def test_docker_stop_lets_the_request_in_flight_finish_and_exits_0(image, run_container, dependencies):
    container = run_container(image, env={**dependencies.env(), "WEB_CONCURRENCY": "1"})
    wait_for_200(container)
    assert container.get("/api/users").status == 200  # schema in place, connection pooled

    result = {}
    stopped = {}
    with dependencies.admin() as locker:
        with locker.transaction():
            # The insert below waits on this lock: a slow request, for real.
            locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            slow = threading.Thread(target=lambda: result.update(resp=container.request(
                "POST", "/api/users", body={"username": f"in-flight-{uuid.uuid4().hex[:8]}"}, timeout=20)))
            slow.start()
            time.sleep(0.5)

            def stop() -> None:
                began = time.monotonic()
                # 10 s: Cloud Run's grace period, the shorter of the two platforms'.
                stopped["done"] = docker("stop", "--time", "10", container.id, timeout=30)
                stopped["seconds"] = time.monotonic() - began

            stopper = threading.Thread(target=stop)
            stopper.start()
            time.sleep(1.5)
            assert container.inspect("{{.State.Running}}") == "true", "exited with a request in flight"
        # the lock is released here; the request completes
        slow.join(timeout=15)
        stopper.join(timeout=30)
    assert result["resp"].status == 201, result["resp"].body
    assert stopped["seconds"] < 10, f"docker stop took {stopped['seconds']:.1f} s: killed, not stopped"
    assert container.inspect("{{.State.ExitCode}}") == "0", container.logs()


def test_final_image_has_no_pip_compiler_package_manager_or_shell(image):
    paths = image_paths(image)
    assert not [p for p in paths if "/site-packages/pip/" in p or p.endswith("/site-packages/pip")]
    assert not [p for p in paths if "/ensurepip" in p]
    assert not [p for p in paths if COMPILERS.search(p)]
    assert not [p for p in paths if PACKAGE_MANAGERS.search(p)]
    # No shell, unless the final stage's base (RUNTIME_IMAGE, as test.sh built
    # it) brings one.
    shells = [p for p in paths if SHELLS.search(p)]
    base = os.environ.get("RUNTIME_IMAGE")
    if base and not [p for p in image_paths(base) if SHELLS.search(p)]:
        assert not shells, f"the base has no shell, the image has: {shells}"
    assert not shells or base, "a shell in the image, and no RUNTIME_IMAGE to compare with"


@pytest.mark.timeout(900)
def test_a_dependency_added_to_requirements_reaches_the_image(tmp_path, run_container):
    fork = tmp_path / "app"
    shutil.copytree(APP_DIR, fork, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".pytest_cache"))
    # A pure-Python package from the index, used by a route the fork adds.
    with open(fork / "requirements.txt", "a", encoding="utf-8") as requirements:
        requirements.write("humanize==4.16.0\n")
    with open(fork / "wsgi.py", "a", encoding="utf-8") as wsgi:
        wsgi.write("\n\nimport humanize  # noqa: E402\n\n\n"
                   "@app.get(\"/fork\")\n"
                   "def fork():\n"
                   "    return {\"size\": humanize.naturalsize(3_000_000)}\n")
    tag = "flask-multicloud:container-fork"
    build(fork, tag)
    try:
        container = run_container(tag)
        wait_for_200(container)
        answer = container.get("/fork")
        assert answer.status == 200, answer.body
        assert answer.body == {"size": "3.0 MB"}
    finally:
        run_container.remove_all()
        docker("image", "rm", "--force", tag, check=False)
