"""Measures the production server; run through bench/run.sh, which starts
PostgreSQL and Redis and passes them in BENCH_DATABASE_URL / BENCH_REDIS_URL.

1. Start-up: time from exec of the Procfile's command to the first 200 on
   /healthz, with dependencies reachable, refusing, hanging, and absent.
2. Throughput: wrk against GET /healthz and GET /api/users, for this
   service's server settings and for the reference design's two sync workers
   (the same app and config file, with `--workers 2 --worker-class sync`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent
WORK = Path(os.environ["BENCH_WORK_DIR"])
DATABASE_URL = os.environ["BENCH_DATABASE_URL"]
REDIS_URL = os.environ["BENCH_REDIS_URL"]
BASE_ENV = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1", "APP_ENV": "bench"}


def procfile_command():
    for line in (APP_DIR / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return shlex.split(line[len("web:"):])
    raise SystemExit("Procfile has no web: line")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz_status(port):
    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: bench\r\n\r\n")
        return sock.recv(64).split(b" ", 2)[1]


class Server:
    def __init__(self, command, env, label):
        self.port = free_port()
        self.log = open(WORK / f"server-{label}-{self.port}.log", "wb")
        full_env = {**BASE_ENV, "PORT": str(self.port), **env}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(command, cwd=APP_DIR, env=full_env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, deadline_s=15.0):
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            try:
                if healthz_status(self.port) == b"200":
                    return time.monotonic()
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: see {self.log.name}")
            time.sleep(0.002)
        raise SystemExit(f"no 200 from /healthz within {deadline_s}s: see {self.log.name}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def black_hole():
    """Accepts TCP connections and never answers: a dependency that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    return listener


def measure_startup(runs):
    refusing = free_port()
    hole = black_hole()
    hanging = hole.getsockname()[1]
    scenarios = [
        ("dependencies reachable", {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL}),
        ("dependencies refusing connections",
         {"DATABASE_URL": f"postgresql://app:x@127.0.0.1:{refusing}/app", "REDIS_URL": f"redis://127.0.0.1:{refusing}/0"}),
        ("dependencies hanging (accept, never answer)",
         {"DATABASE_URL": f"postgresql://app:x@127.0.0.1:{hanging}/app", "REDIS_URL": f"redis://127.0.0.1:{hanging}/0"}),
        ("no dependencies configured", {}),
    ]
    results = []
    for label, env in scenarios:
        samples = []
        for _ in range(runs):
            server = Server(procfile_command(), env, "startup")
            samples.append((server.wait_ready() - server.started) * 1000)
            server.stop()
        results.append((label, samples))
        print(f"start-up, {label}: median {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms", flush=True)
    hole.close()
    return results


def seed_users(port, count):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for i in range(count):
        conn.request("POST", "/api/users", body=json.dumps({"username": f"bench-user-{i:05d}"}),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        if resp.status not in (201, 409):
            raise SystemExit(f"seeding failed: {resp.status}")
    conn.close()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(port, path, duration, connections):
    url = f"http://127.0.0.1:{port}{path}"
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99_ms = float(p99.group(1)) * _UNITS[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return {"rps": rps, "p99_ms": p99_ms, "errors": errors, "requests": total, "raw": out}


def measure_throughput(duration, connections, rounds):
    """Both servers run side by side and are measured in turn, `rounds` times,
    so a change in the machine's load (it may be shared) hits both alike."""
    deps = {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL}
    procfile = procfile_command()
    configs = [
        ("this service (Procfile defaults)", procfile),
        ("reference: 2 sync workers", procfile[:-1] + ["--workers", "2", "--worker-class", "sync", procfile[-1]]),
    ]
    servers = [(label, Server(command, deps, "wrk")) for label, command in configs]
    for _, server in servers:
        server.wait_ready()
    seed_users(servers[0][1].port, 500)
    rows = []
    try:
        for path in ("/healthz", "/api/users"):
            for _ in range(rounds):
                for label, server in servers:
                    wrk(server.port, path, 3, connections)  # warm-up: pools filled, code paths hot
                    result = wrk(server.port, path, duration, connections)
                    rows.append((label, path, result))
                    print(f"{label} GET {path}: {result['rps']:.0f} req/s, p99 {result['p99_ms']:.1f} ms, "
                          f"errors {result['errors']}", flush=True)
    finally:
        for _, server in servers:
            server.stop()
    return rows


def loadavg():
    try:
        return open("/proc/loadavg").read().split()[:3]
    except OSError:
        return ["?"] * 3


def versions():
    def run(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "?"

    pkgs = ["gunicorn", "python3-flask", "python3-werkzeug", "python3-psycopg", "python3-redis",
            "postgresql-15", "redis-server", "wrk"]
    dpkg = run(["dpkg-query", "-W", "-f", "${Package} ${Version}\n", *pkgs])
    return dpkg.replace("\n", ", ")


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB RAM, "
            f"Linux {platform.release()}, Python {platform.python_version()} (Debian /usr/bin/python3)")


def median_of(rows, prefix, path, key):
    return statistics.median(r[key] for label, p, r in rows if label.startswith(prefix) and p == path)


def write_report(path, startup, rows, duration, connections, load_before, load_after):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        "Reproduce from the repository root (after `bash app/scripts/install-deps.sh`):",
        "",
        "```sh",
        f"BENCH_DURATION={duration} BENCH_CONNECTIONS={connections} bash app/bench/run.sh",
        "```",
        "",
        f"- Date: {now}",
        f"- Machine: {machine()}",
        f"- Packages (Debian bookworm): {versions()}",
        "- PostgreSQL, Redis, the server and wrk all share the same CPUs on loopback, so the",
        "  figures compare configurations on one machine; they are not a capacity plan.",
        "  On loopback a request hardly waits on PostgreSQL or Redis, so both servers are",
        "  bound by CPU (Debian's psycopg is its pure-Python build); threaded workers gain",
        "  where requests wait on a network or slow clients, which this set-up does not reproduce.",
        f"- Load average (1/5/15 min) before the run: {' '.join(load_before)}; after: {' '.join(load_after)}",
        "  (after includes the benchmark's own processes). This machine is shared with other",
        "  work: a high load before the run means other processes competed for the two CPUs.",
        "- Server command: the Procfile's `web:` line, run from `app/`, with DATABASE_URL and",
        "  REDIS_URL set. Default sizing there: one gthread worker per CPU, 4 threads each.",
        "- Reference: the same app and gunicorn.conf.py with `--workers 2 --worker-class sync`",
        "  added, as in the reference design. Access logging (JSON to a file) is on in both.",
        "",
        "## Throughput",
        "",
        f"`wrk -t2 -c{connections} -d{duration}s --timeout 5s --latency`, after a 3 s warm-up, "
        "each server in turn, repeated; "
        "GET /api/users returns the newest 20 of 500 users. Errors are non-2xx responses "
        "plus socket errors (connect, read, write, timeout).",
        "",
        "| server | path | requests/s | p99 latency | errors | requests |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for label, p, r in rows:
        lines.append(f"| {label} | GET {p} | {r['rps']:.0f} | {r['p99_ms']:.1f} ms | {r['errors']} | {r['requests']} |")
    lines.append("")
    for p in ("/healthz", "/api/users"):
        ours, base = median_of(rows, "this", p, "rps"), median_of(rows, "reference", p, "rps")
        ours99, base99 = median_of(rows, "this", p, "p99_ms"), median_of(rows, "reference", p, "p99_ms")
        lines.append(f"- GET {p}, medians: this service {ours:.0f} req/s (p99 {ours99:.1f} ms), "
                     f"reference {base:.0f} req/s (p99 {base99:.1f} ms): {ours / base:.2f}x the requests/s.")
    lines += [
        "",
        "## Start-up: exec to first 200 on GET /healthz",
        "",
        "Each run starts the Procfile command and polls /healthz every 2 ms until it answers 200.",
        "",
        "| dependencies | runs | min | median | max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, samples in startup:
        lines.append(f"| {label} | {len(samples)} | {min(samples):.0f} ms | "
                     f"{statistics.median(samples):.0f} ms | {max(samples):.0f} ms |")
    lines += ["", "## Raw wrk output", ""]
    for label, p, r in rows:
        lines += [f"### {label}, GET {p}", "", "```", r["raw"].rstrip(), "```", ""]
    Path(path).write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--startup-runs", type=int, default=9)
    args = parser.parse_args()
    load_before = loadavg()
    startup = measure_startup(args.startup_runs)
    rows = measure_throughput(args.duration, args.connections, args.rounds)
    write_report(args.out, startup, rows, args.duration, args.connections, load_before, loadavg())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    sys.exit(main())
