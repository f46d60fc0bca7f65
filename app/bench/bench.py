"""Measures the production server; run through bench/run.sh, which starts
PostgreSQL and Redis and passes them in BENCH_DATABASE_URL / BENCH_REDIS_URL.

1. Start-up: time from exec of the Procfile's command to the first 200 on
   /healthz, with dependencies reachable, refusing, hanging, black-holed
   (in a network namespace of our own that never answers) and absent.
2. Throughput: wrk against GET /healthz and GET /api/users, for this
   service's server settings and for the reference design's two sync workers
   (the same app and config file, with `--workers 2 --worker-class sync`),
   under two conditions:
   - "delayed": PostgreSQL and Redis reached through delay_proxy.py, which
     adds a fixed one-way delay (default 1 ms, so 2 ms per round trip), as a
     database in the same cloud region would. The headline.
   - "loopback": PostgreSQL and Redis on loopback, answering in microseconds.
   Under the delay, other GUNICORN_THREADS values are measured too.
"""

from __future__ import annotations

import argparse
import ctypes
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
from urllib.parse import urlsplit, urlunsplit

APP_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
WORK = Path(os.environ["BENCH_WORK_DIR"])
DATABASE_URL = os.environ["BENCH_DATABASE_URL"]
REDIS_URL = os.environ["BENCH_REDIS_URL"]
NETNS = os.environ.get("BENCH_NETNS", f"fmcbench-{os.getpid()}")
# The virtualenv made from requirements.txt (run.sh runs this file with its
# python): the servers find gunicorn there, as in the image.
VENV = Path(sys.executable).parent.parent
BASE_ENV = {"PATH": f"{VENV}/bin:/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1", "APP_ENV": "bench"}
PYTHON = sys.executable
WARMUP_S = 3
LOAD_SAMPLE_S = 1.0

_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # Children get SIGTERM if this process dies (even by SIGKILL): no stray servers.
    _libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def procfile_command():
    for line in (APP_DIR / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return shlex.split(line[len("web:"):])
    raise SystemExit("Procfile has no web: line")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_port(url, port):
    parts = urlsplit(url)
    host = parts.netloc.rsplit(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{host}:{port}"))


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
        self.proc = subprocess.Popen(command, cwd=APP_DIR, env=full_env, stdout=self.log,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

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

    def worker_type(self):
        """What gunicorn says it runs ("sync", "threads", ...), from its log."""
        self.log.flush()
        m = re.search(r"Using worker: (\w+)", Path(self.log.name).read_text(errors="replace"))
        return m.group(1) if m else "?"

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class DelayProxy:
    """delay_proxy.py in its own process (its CPU time is reported)."""

    def __init__(self, delay_ms, routes, max_seconds):
        self.delay_ms = delay_ms
        self.stats_file = WORK / "proxy-stats.json"
        args = [PYTHON, str(BENCH_DIR / "delay_proxy.py"), "--delay-ms", str(delay_ms),
                "--stats", str(self.stats_file), "--max-seconds", str(max_seconds)]
        args += [f"{listen}:{target}" for listen, target in routes]
        self.log = open(WORK / "proxy.log", "wb+")
        self.priority = "normal (could not raise it)"

        def setup():
            # A network link's delay does not grow when the servers' CPUs are
            # busy; the proxy's should not either, so it runs ahead of them.
            _die_with_parent()
            try:
                os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
            except OSError:
                try:
                    os.nice(-15)
                except OSError:
                    pass

        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=setup)
        deadline = time.monotonic() + 10
        while b"ready" not in Path(self.log.name).read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"delay proxy did not start: {Path(self.log.name).read_text()}")
            time.sleep(0.02)
        policy = os.sched_getscheduler(self.proc.pid)
        if policy == os.SCHED_FIFO:
            self.priority = "real-time (SCHED_FIFO, priority 1)"
        elif os.getpriority(os.PRIO_PROCESS, self.proc.pid) < 0:
            self.priority = f"nice {os.getpriority(os.PRIO_PROCESS, self.proc.pid)}"

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def take_stats(self):
        """Timer lateness since the previous call (the proxy resets on SIGUSR1)."""
        self.stats_file.unlink(missing_ok=True)
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while not self.stats_file.exists():
            if time.monotonic() > deadline:
                return {}
            time.sleep(0.01)
        return json.loads(self.stats_file.read_text())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# --- a black hole: a network namespace of ours that never answers ----------


def _ip(*args):
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)


def blackhole_up():
    """A veth pair to a network namespace whose replies are routed to a
    blackhole: SYNs arrive, nothing ever comes back, as with a security group
    that drops. Returns the address to connect to, or (None, reason)."""
    base = 4 * (os.getpid() % 64)  # a /30 in TEST-NET-2, never routed on the internet
    host, far = f"198.51.100.{base + 1}", f"198.51.100.{base + 2}"
    veth = f"fmcb{os.getpid() % 10**7}"
    steps = [
        ("netns", "add", NETNS),
        ("link", "add", f"{veth}a", "type", "veth", "peer", "name", f"{veth}b", "netns", NETNS),
        ("addr", "add", f"{host}/30", "dev", f"{veth}a"),
        ("link", "set", f"{veth}a", "up"),
        ("-n", NETNS, "addr", "add", f"{far}/30", "dev", f"{veth}b"),
        ("-n", NETNS, "link", "set", f"{veth}b", "up"),
        ("-n", NETNS, "route", "add", "blackhole", f"{host}/32"),
    ]
    for step in steps:
        try:
            done = _ip(*step)
        except (OSError, subprocess.TimeoutExpired) as exc:
            blackhole_down()
            return None, f"`ip` unavailable ({exc})"
        if done.returncode != 0:
            blackhole_down()
            return None, f"`ip {' '.join(step)}` failed: {done.stderr.strip()}"
    return far, None


def blackhole_down():
    try:
        _ip("link", "del", f"fmcb{os.getpid() % 10**7}a")
        _ip("netns", "del", NETNS)
    except (OSError, subprocess.TimeoutExpired):
        pass


# --- measurements ------------------------------------------------------------


def listener_that_never_answers():
    """Accepts TCP connections and never answers: a dependency that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    return listener


def measure_startup(runs, delayed_deps):
    refusing = free_port()
    hole = listener_that_never_answers()
    hanging = hole.getsockname()[1]
    black, why_not = blackhole_up()

    def deps(host, port):
        return {"DATABASE_URL": f"postgresql://app:x@{host}:{port}/app", "REDIS_URL": f"redis://{host}:{port}/0"}

    scenarios = [
        ("reachable (loopback)", {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL}),
        ("reachable through the delayed link", delayed_deps),
        ("refusing connections (closed port)", deps("127.0.0.1", refusing)),
        ("hanging (accept, never answer)", deps("127.0.0.1", hanging)),
        ("black-holed (SYNs never answered)", deps(black, 5432) if black else None),
        ("not configured", {}),
    ]
    results = []
    try:
        for label, env in scenarios:
            if env is None:
                results.append((label, [], f"skipped: {why_not}"))
                print(f"start-up, {label}: skipped: {why_not}", flush=True)
                continue
            samples = []
            for _ in range(runs):
                server = Server(procfile_command(), env, "startup")
                try:
                    samples.append((server.wait_ready() - server.started) * 1000)
                finally:
                    # Quick shutdown: a graceful one waits out the workers' 1 s
                    # poll and is not what is measured here.
                    server.stop(signal.SIGQUIT)
            results.append((label, samples, None))
            print(f"start-up, {label}: median {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms",
                  flush=True)
    finally:
        hole.close()
        blackhole_down()
    return results


def db_round_trips(url, count=300):
    """Milliseconds for a new connection and for `SELECT 1` on it, as the app
    sees them (psycopg, same driver)."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        connect_ms = (time.perf_counter() - started) * 1000
        samples = []
        for _ in range(count):
            t = time.perf_counter()
            conn.execute("SELECT 1").fetchone()
            samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {"connect_ms": connect_ms, "p50_ms": samples[len(samples) // 2],
            "p99_ms": samples[int(len(samples) * 0.99) - 1]}


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


def _quantile(out, pct):
    m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(port, path, duration, connections):
    url = f"http://127.0.0.1:{port}{path}"
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return {"rps": rps, "p50_ms": _quantile(out, 50), "p99_ms": _quantile(out, 99), "errors": errors,
            "requests": total, "raw": out}


def cpu_times():
    """(idle, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return values[3] + (values[4] if len(values) > 4 else 0), sum(values[:8])


def busy_since(before):
    idle0, total0 = before
    idle1, total1 = cpu_times()
    return 100.0 * (1 - (idle1 - idle0) / max(1, total1 - total0))


def cpu_busy(seconds):
    """Share of all CPUs busy over the next `seconds`."""
    before = cpu_times()
    time.sleep(seconds)
    return busy_since(before)


def loadavg1():
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return float("nan")


WORKER_TYPES = {}  # label -> what gunicorn logged ("Using worker: ...")
OURS = "this service (Procfile defaults)"
REFERENCE = "reference: 2 sync workers"


def sweep_settings(item):
    """"8" -> GUNICORN_THREADS=8; "4x4" -> WEB_CONCURRENCY=4, GUNICORN_THREADS=4."""
    workers, _, threads = item.rpartition("x")
    env = {"GUNICORN_THREADS": threads}
    if workers:
        env = {"WEB_CONCURRENCY": workers, **env}
    return env, " ".join(f"{k}={v}" for k, v in env.items())


def server_configs(threads_sweep):
    procfile = procfile_command()
    configs = [
        (OURS, procfile, {}, True),
        # --threads 1: gunicorn silently swaps a sync worker for gthread when
        # threads > 1, and gunicorn.conf.py sets threads (GUNICORN_THREADS).
        (REFERENCE, procfile[:-1] + ["--workers", "2", "--worker-class", "sync", "--threads", "1", procfile[-1]],
         {}, True),
    ]
    for item in threads_sweep:
        env, text = sweep_settings(item)
        configs.append((f"this service, {text}", procfile, env, False))
    return configs


def measure_condition(condition, deps, configs, paths, duration, connections, rounds, sweep_rounds, proxy):
    """Every server runs side by side and they are measured in turn, `rounds`
    times, so a change in the machine's load hits each alike. Configs marked
    not-headline (the GUNICORN_THREADS sweep) run in the first `sweep_rounds`
    rounds only, and on GET /api/users only."""
    servers = [(label, Server(command, {**deps, **env}, f"wrk-{condition}"), headline)
               for label, command, env, headline in configs]
    rows = []
    try:
        for label, server, _ in servers:
            server.wait_ready()
            kind = server.worker_type()
            expected = ("sync",) if label == REFERENCE else ("gthread", "threads")
            if kind not in expected:
                raise SystemExit(f"{label}: gunicorn runs '{kind}' workers, expected {' or '.join(expected)}")
            WORKER_TYPES[label] = kind
        for path in paths:
            for rnd in range(rounds):
                for label, server, headline in servers:
                    if not headline and (rnd >= sweep_rounds or path != "/api/users"):
                        continue
                    load1, busy = loadavg1(), cpu_busy(LOAD_SAMPLE_S)
                    wrk(server.port, path, WARMUP_S, connections)  # pools filled, code paths hot
                    if proxy:
                        proxy.take_stats()
                        cpu0 = proxy.cpu_seconds()
                    cpu0_all = cpu_times()
                    result = wrk(server.port, path, duration, connections)
                    result.update(condition=condition, label=label, path=path, load1=load1, busy=busy,
                                  busy_during=busy_since(cpu0_all))
                    if proxy:
                        result["proxy"] = proxy.take_stats()
                        result["proxy"]["cpu_s"] = proxy.cpu_seconds() - cpu0
                    rows.append(result)
                    print(f"[{condition}] {label} GET {path}: {result['rps']:.0f} req/s, "
                          f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']} "
                          f"(load {load1:.2f}, CPU busy before {busy:.0f}%, during {result['busy_during']:.0f}%)",
                          flush=True)
    finally:
        for _, server, _ in servers:
            server.stop()
    return rows


# --- report ------------------------------------------------------------------


def target_line(rows):
    """The aim set for this service under the delay: at least 3x the reference's
    requests/s on GET /api/users, no errors, and at most a third of its p99."""
    ours = med(rows, "delayed", OURS, "/api/users", "rps")
    ref = med(rows, "delayed", REFERENCE, "/api/users", "rps")
    our_p99 = med(rows, "delayed", OURS, "/api/users", "p99_ms")
    ref_p99 = med(rows, "delayed", REFERENCE, "/api/users", "p99_ms")
    errors = errors_sum(rows, "delayed", OURS, "/api/users")
    checks = [
        (f"at least 3x the reference's requests/s ({ours / ref:.2f}x)", ours >= 3 * ref),
        (f"no errors ({errors})", errors == 0),
        (f"p99 at most a third of the reference's ({our_p99:.1f} vs {ref_p99:.1f} ms, {our_p99 / ref_p99:.2f})",
         our_p99 * 3 <= ref_p99),
    ]
    return "Aim under the delay: " + "; ".join(f"{text}: {'met' if ok else '**not met**'}" for text, ok in checks) + "."


def versions():
    from importlib import metadata

    python = ", ".join(f"{name} {metadata.version(name)}"
                       for name in ("Flask", "Werkzeug", "gunicorn", "psycopg", "psycopg-binary", "redis"))
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package} ${Version}\n", "postgresql-15", "redis-server", "wrk", "iproute2"],
            capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        out = "?"
    return f"from requirements.txt (pip, in a virtualenv): {python}; Debian bookworm: {out.replace(chr(10), ', ')}"


def machine():
    cpu, mem_kb = "?", 0
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB RAM, "
            f"Linux {platform.release()}, CPython {platform.python_version()} ({sys.base_prefix}, as the image's 3.11)")


def netem_status():
    """Whether `tc qdisc add ... netem` works here, tried on a veth in a
    namespace of our own (never on lo or a real interface)."""
    ns, veth = f"{NETNS}-tc", f"fmct{os.getpid() % 10**7}"
    try:
        if _ip("netns", "add", ns).returncode != 0:
            return False, "could not create a network namespace to try it in"
        _ip("-n", ns, "link", "add", f"{veth}a", "type", "veth", "peer", "name", f"{veth}b")
        done = subprocess.run(["tc", "-n", ns, "qdisc", "add", "dev", f"{veth}a", "root", "netem", "delay", "1ms"],
                              capture_output=True, text=True, timeout=10)
        if done.returncode == 0:
            return True, "ok"
        return False, done.stderr.strip() or f"exit {done.returncode}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    finally:
        try:
            _ip("netns", "del", ns)
        except (OSError, subprocess.TimeoutExpired):
            pass


def med(rows, condition, label, path, key):
    values = [r[key] for r in rows if r["condition"] == condition and r["label"] == label and r["path"] == path]
    return statistics.median(values) if values else None


def errors_sum(rows, condition, label, path):
    return sum(r["errors"] for r in rows if r["condition"] == condition and r["label"] == label and r["path"] == path)


def runs_count(rows, condition, label, path):
    return sum(1 for r in rows if r["condition"] == condition and r["label"] == label and r["path"] == path)


def comparison_table(rows, condition, paths):
    lines = [
        "| path | this service req/s | reference req/s | ratio | this service p50 / p99 | reference p50 / p99 "
        "| errors (this / reference) | CPU busy during (this / reference) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in paths:
        o, b = med(rows, condition, OURS, p, "rps"), med(rows, condition, REFERENCE, p, "rps")
        lines.append(
            f"| GET {p} | {o:.0f} | {b:.0f} | **{o / b:.2f}x** "
            f"| {med(rows, condition, OURS, p, 'p50_ms'):.1f} / {med(rows, condition, OURS, p, 'p99_ms'):.1f} ms "
            f"| {med(rows, condition, REFERENCE, p, 'p50_ms'):.1f} / {med(rows, condition, REFERENCE, p, 'p99_ms'):.1f} ms "
            f"| {errors_sum(rows, condition, OURS, p)} / {errors_sum(rows, condition, REFERENCE, p)} "
            f"| {med(rows, condition, OURS, p, 'busy_during'):.0f} % / {med(rows, condition, REFERENCE, p, 'busy_during'):.0f} % |")
    return lines


def write_report(path, args, startup, rows, rtt, netem, proxy_priority, load_before, load_after, started_at, wall_s):
    delay = args.delay_ms
    delayed_paths = ["/api/users", "/healthz"]
    o_users, b_users = med(rows, "delayed", OURS, "/api/users", "rps"), med(rows, "delayed", REFERENCE, "/api/users", "rps")
    o_loop, b_loop = med(rows, "loopback", OURS, "/api/users", "rps"), med(rows, "loopback", REFERENCE, "/api/users", "rps")
    proxy_rows = [r for r in rows if "proxy" in r and r["proxy"]]
    late50 = statistics.median(r["proxy"]["late_p50_ms"] for r in proxy_rows if r["proxy"].get("late_p50_ms") is not None)
    late99 = max(r["proxy"]["late_p99_ms"] for r in proxy_rows if r["proxy"].get("late_p99_ms") is not None)
    netem_ok, netem_msg = netem
    lines = [
        "# Benchmark results",
        "",
        "Reproduce from the repository root, as root (after `bash app/scripts/install-deps.sh`; "
        "the black-holed start-up case also needs `ip` from Debian's iproute2):",
        "",
        "```sh",
        f"BENCH_DURATION={args.duration} BENCH_CONNECTIONS={args.connections} BENCH_DELAY_MS={delay:g} "
        f"BENCH_THREADS_SWEEP={','.join(args.threads_sweep) or '-'} bash app/bench/run.sh",
        "```",
        "",
        f"- Date: {started_at} (whole benchmark: {wall_s / 60:.1f} min)",
        f"- Machine: {machine()}",
        f"- Packages: {versions()}",
        f"- Machine load (1/5/15 min) before the benchmark: {' '.join(load_before)}; after: {' '.join(load_after)}.",
        "  The machine is shared with other work; the load and CPU use just before each run are in",
        "  [every run](#every-run).",
        "- This service: the Procfile's `web:` line, unchanged, run from `app/` with DATABASE_URL and",
        "  REDIS_URL set: gthread workers, one per CPU (2 here), `GUNICORN_THREADS` threads each (default 4),",
        "  and as many pooled PostgreSQL connections per process.",
        "- Reference: the same app and gunicorn.conf.py with `--workers 2 --worker-class sync --threads 1`",
        "  added: the reference design's two sync workers. `--threads 1` matters: gunicorn quietly runs",
        "  gthread instead of sync when threads > 1, and gunicorn.conf.py sets 4, so without it the",
        "  \"reference\" would be this service's own design (earlier versions of this file compared",
        "  exactly that: both sides were 2 gthread workers x 4 threads). The benchmark now checks the",
        f"  worker type gunicorn logs: this service `{WORKER_TYPES.get(OURS, '?')}`, "
        f"reference `{WORKER_TYPES.get(REFERENCE, '?')}`.",
        "  Access logging (JSON, to a file) is on in both.",
        f"- Load: `wrk -t2 -c{args.connections} -d{args.duration}s --timeout 5s --latency`, after a {WARMUP_S} s "
        "warm-up with the same command; all servers of a condition run side by side and are measured in turn, "
        f"{args.rounds} times, so a change in the machine's load hits each alike. GET /api/users returns the "
        "newest 20 of 500 users (one indexed SELECT, one round trip to PostgreSQL; it does not use Redis). "
        "Errors are non-2xx responses plus wrk's socket errors (connect, read, write, timeout). "
        "Figures are medians of the runs.",
        "",
        f"## Headline: PostgreSQL and Redis {2 * delay:g} ms away",
        "",
        f"GET /api/users, dependencies behind a {delay:g} ms one-way delay (a {2 * delay:g} ms round trip; "
        f"{rtt['proxied']['p50_ms']:.1f} ms measured for `SELECT 1`): "
        f"this service **{o_users:.0f} req/s**, reference {b_users:.0f} req/s, **{o_users / b_users:.2f}x**; "
        f"errors {errors_sum(rows, 'delayed', OURS, '/api/users')} and "
        f"{errors_sum(rows, 'delayed', REFERENCE, '/api/users')}.",
        "",
        target_line(rows),
        "",
        "### How the delay is made, and why this much",
        "",
        "A managed database in the same region as the service (RDS, Cloud SQL, ElastiCache, Memorystore,",
        "reached over the VPC) answers a trivial query in roughly 0.5 to 2 ms, nearly all of it network round",
        f"trip; on loopback it is ~{rtt['direct']['p50_ms']:.2f} ms. The benchmark uses a {2 * delay:g} ms round "
        "trip (BENCH_DELAY_MS sets the one-way half): the upper end of that range, as when the database's "
        "primary is in another zone of the region than the task. A smaller delay helps the sync workers, and "
        "would give a ratio between the loopback and the delayed figures below.",
        "",
    ]
    if netem_ok:
        lines += ["`tc qdisc ... netem` works on this kernel, but this run still used the proxy below so that "
                  "runs on machines with and without netem compare.", ""]
    else:
        lines += [
            f"**Fallback:** the intended `tc qdisc add dev <veth> root netem delay {delay:g}ms` on a veth into a "
            f"network namespace is not available here: tc answered `{netem_msg}` (this kernel is built "
            "without sch_netem and without loadable modules; it has no fq or etf qdisc either). Instead, "
            "PostgreSQL and Redis stay on loopback and the servers reach them through "
            f"[`delay_proxy.py`](delay_proxy.py), a TCP proxy (Python asyncio, one process) that holds every chunk it "
            f"reads, in either direction, for {delay:g} ms before writing it on (timers on a timerfd, so the delay "
            "is not rounded to whole milliseconds), and opens its connection to the server one round trip after "
            "the client connected, standing in for the TCP handshake. A request and its answer thus gain "
            f"{2 * delay:g} ms. The proxy runs at {proxy_priority} scheduling priority, so that, like a network "
            "link, it does not wait behind the servers for a CPU. Unlike netem it delays data, not packets: bare TCP ACKs, loss, jitter and "
            "bandwidth are not modelled, and the proxy itself uses CPU on the same two cores.",
            "",
        ]
    d, p = rtt["direct"], rtt["proxied"]
    lines += [
        "Measured with psycopg from the benchmark process, idle servers (300 × `SELECT 1` on one connection):",
        "",
        "| path to PostgreSQL | new connection (incl. SCRAM auth) | `SELECT 1` p50 | `SELECT 1` p99 |",
        "| --- | ---: | ---: | ---: |",
        f"| loopback | {d['connect_ms']:.1f} ms | {d['p50_ms']:.2f} ms | {d['p99_ms']:.2f} ms |",
        f"| through the delay proxy | {p['connect_ms']:.1f} ms | {p['p50_ms']:.2f} ms | {p['p99_ms']:.2f} ms |",
        "",
        f"So a round trip through the proxy took {p['p50_ms']:.2f} ms: the nominal {2 * delay:g} ms, the "
        f"{d['p50_ms']:.2f} ms of loopback, and about {p['p50_ms'] - d['p50_ms'] - 2 * delay:.2f} ms for the two "
        "extra hops through a Python process. Under load its timers fired late by a median of "
        f"{late50:.2f} ms (median over the delayed runs of each run's median) and by at most {late99:.2f} ms at "
        "the 99th percentile of any run, per direction. Its CPU use per run is in [every run](#every-run).",
        "",
        f"## Dependencies {2 * delay:g} ms away (headline)",
        "",
        *comparison_table(rows, "delayed", delayed_paths),
        "",
        "GET /healthz touches neither dependency, so the delay does not apply to it: these figures should",
        "match the loopback ones below, and how far they differ is this machine's run-to-run noise.",
        "",
    ]
    if args.threads_sweep:
        lines += [
            f"### Other thread and worker counts under the {2 * delay:g} ms round trip (GET /api/users)",
            "",
            "Same Procfile command with only GUNICORN_THREADS (and, where shown, WEB_CONCURRENCY) set; "
            "DB_POOL_MAX_SIZE follows GUNICORN_THREADS. "
            f"These ran {args.sweep_rounds} time(s) each, in turn with the runs above, so each figure is one "
            "run: differences of 10-20 % are within this machine's run-to-run noise.",
            "",
            "| settings | runs | req/s | vs default | p50 / p99 | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        labels = [("defaults: 2 workers (one per CPU), GUNICORN_THREADS=4", OURS)] + [
            (sweep_settings(t)[1], f"this service, {sweep_settings(t)[1]}") for t in args.threads_sweep]
        for text, label in labels:
            r = med(rows, "delayed", label, "/api/users", "rps")
            lines.append(
                f"| {text} | {runs_count(rows, 'delayed', label, '/api/users')} "
                f"| {r:.0f} | {r / o_users:.2f}x | {med(rows, 'delayed', label, '/api/users', 'p50_ms'):.1f} / "
                f"{med(rows, 'delayed', label, '/api/users', 'p99_ms'):.1f} ms "
                f"| {errors_sum(rows, 'delayed', label, '/api/users')} |")
        lines.append("")
    lines += [
        "## Dependencies on loopback",
        "",
        *comparison_table(rows, "loopback", ["/api/users", "/healthz"]),
        "",
        "## Start-up: exec to first 200 on GET /healthz",
        "",
        "Each run execs the Procfile command and polls /healthz every 2 ms until it answers 200. "
        "Black-holed: the dependencies' address is a veth into a network namespace made for the purpose, "
        "whose replies are routed to a blackhole, so connection attempts get no answer at all.",
        "",
        "| dependencies | runs | min | median | max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, samples, note in startup:
        if note:
            lines.append(f"| {label} | 0 | {note} | | |")
        else:
            lines.append(f"| {label} | {len(samples)} | {min(samples):.0f} ms | "
                         f"**{statistics.median(samples):.0f} ms** | {max(samples):.0f} ms |")
    lines += [
        "",
        "## What these numbers do and do not show",
        "",
        f"- They show how the two server designs compare when each request waits on the database: two sync "
        f"workers can have only two requests in flight, so with {2 * delay:g} ms of waiting per request they idle "
        "while the CPUs could serve more; threaded workers overlap the waits. Under the delay the CPUs were "
        f"{med(rows, 'delayed', OURS, '/api/users', 'busy_during'):.0f} % busy during this service's runs and "
        f"{med(rows, 'delayed', REFERENCE, '/api/users', 'busy_during'):.0f} % during the reference's: this service "
        "is limited by the two CPUs it shares with wrk, PostgreSQL and the proxy, the reference by waiting. "
        "On loopback there is almost no "
        f"wait and both designs are bound by the same CPU work (this service {o_loop:.0f} vs {b_loop:.0f} req/s "
        f"on GET /api/users, {o_loop / b_loop:.2f}x"
        + ("; a gthread worker spends a little more CPU per request than a sync one, handing each connection "
           "between its poller and its threads" if o_loop / b_loop < 0.97 else "")
        + "). So the ratio depends on "
        f"the round trip: about 1x with none, {o_users / b_users:.1f}x with {2 * delay:g} ms, in between for a "
        "faster link.",
        "- They are not a capacity plan. wrk, PostgreSQL, Redis, the proxy and the servers all share two CPUs,",
        "  and the machine runs other work at the same time (load and CPU use before each run are below);",
        "  absolute requests/s on a dedicated 2-vCPU container would differ. Runs of each server alternate,",
        "  so the comparison is fairer than the absolute figures. Inferred, not measured: with the CPUs to",
        "  itself this service, being CPU-bound here, would serve more, while the reference, bound by waiting,",
        "  would not, so the ratio there would more likely be higher than lower.",
        "- The delay is simulated (see above): a user-space proxy rather than a real network or netem, with",
        "  no jitter, loss or bandwidth limit, and with its own CPU cost (which penalises the faster server",
        "  more, since it relays more). Real networks add jitter, which would likely hurt the sync workers,",
        "  with only two requests in flight, more than the threaded ones.",
        "- wrk keeps 64 connections open; it does not reproduce slow clients or a load balancer's connection",
        "  pattern, and its latency figures do not correct for coordinated omission.",
        "- Start-up is measured to the first 200 on /healthz: the app connects to nothing before serving,",
        "  so the state of the dependencies should not (and does not) change it. The first request that",
        "  needs the database then pays for a new connection (see the table above).",
        "",
        "## Every run",
        "",
        f"Load: 1-minute load average just before the run (it includes the benchmark's own previous runs). "
        "CPU busy before: share of both CPUs in use during the "
        f"{LOAD_SAMPLE_S:g} s before the warm-up, with every server of the benchmark idle (other work on the machine). "
        "CPU busy during: the same over the measured run, everything included (servers, wrk, PostgreSQL, proxy, "
        "other work): near 100 % means the run was bound by CPU, well below means by waiting. "
        "Proxy: CPU seconds the delay proxy used during the run, and its timer lateness p50/p99.",
        "",
        "| condition | server | path | req/s | p50 | p99 | errors | requests | load | CPU busy before | CPU busy during | proxy |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        px = r.get("proxy") or {}
        proxy = (f"{px['cpu_s']:.1f} s CPU, late {px['late_p50_ms']:.2f} / {px['late_p99_ms']:.2f} ms"
                 if px.get("late_p50_ms") is not None else "–")
        lines.append(f"| {r['condition']} | {r['label']} | GET {r['path']} | {r['rps']:.0f} | {r['p50_ms']:.1f} ms "
                     f"| {r['p99_ms']:.1f} ms | {r['errors']} | {r['requests']} | {r['load1']:.2f} | {r['busy']:.0f}% "
                     f"| {r['busy_during']:.0f}% | {proxy} |")
    lines += ["", "## Raw wrk output", "", "<details><summary>every measured run</summary>", ""]
    for r in rows:
        lines += [f"### {r['condition']}: {r['label']}, GET {r['path']}", "", "```", r["raw"].rstrip(), "```", ""]
    lines += ["</details>", ""]
    Path(path).write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sweep-rounds", type=int, default=1)
    parser.add_argument("--startup-runs", type=int, default=9)
    parser.add_argument("--delay-ms", type=float, default=1.0, help="one-way delay to PostgreSQL and Redis")
    parser.add_argument("--threads-sweep", default="8,16,4x4",
                        help="GUNICORN_THREADS (or WEB_CONCURRENCYxGUNICORN_THREADS) values to try under the delay")
    args = parser.parse_args()
    args.threads_sweep = [t.strip() for t in args.threads_sweep.replace("-", "").split(",") if t.strip()]
    for item in args.threads_sweep:
        if not re.fullmatch(r"([0-9]+x)?[0-9]+", item):
            parser.error(f"--threads-sweep: {item!r} is not THREADS or WORKERSxTHREADS")
    wall0 = time.monotonic()
    started_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    netem = netem_status()
    print(f"netem: {'available' if netem[0] else 'not available: ' + netem[1]}", flush=True)

    pg_port, redis_port = urlsplit(DATABASE_URL).port, urlsplit(REDIS_URL).port
    pg_proxy, redis_proxy = free_port(), free_port()
    proxy = DelayProxy(args.delay_ms, [(pg_proxy, pg_port), (redis_proxy, redis_port)], max_seconds=1500)
    try:
        delayed = {"DATABASE_URL": with_port(DATABASE_URL, pg_proxy), "REDIS_URL": with_port(REDIS_URL, redis_proxy)}
        loopback = {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL}
        rtt = {"direct": db_round_trips(DATABASE_URL), "proxied": db_round_trips(delayed["DATABASE_URL"])}
        print(f"SELECT 1 p50: loopback {rtt['direct']['p50_ms']:.2f} ms, "
              f"through the proxy {rtt['proxied']['p50_ms']:.2f} ms", flush=True)
        startup = measure_startup(args.startup_runs, delayed)
        print(f"... {(time.monotonic() - wall0):.0f} s", flush=True)

        # The web process only checks the schema; the Procfile's release command creates it.
        subprocess.run([PYTHON, "-m", "app.migrate"], cwd=APP_DIR, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "DATABASE_URL": DATABASE_URL})
        seeder = Server(procfile_command(), loopback, "seed")
        try:
            seeder.wait_ready()
            seed_users(seeder.port, 500)
        finally:
            seeder.stop()

        configs = server_configs(args.threads_sweep)
        rows = measure_condition("delayed", delayed, configs, ["/api/users", "/healthz"], args.duration,
                                 args.connections, args.rounds, args.sweep_rounds, proxy)
        print(f"... {(time.monotonic() - wall0):.0f} s", flush=True)
        rows += measure_condition("loopback", loopback, server_configs([]), ["/api/users", "/healthz"],
                                  args.duration, args.connections, args.rounds, 0, None)
    finally:
        proxy.stop()
    write_report(args.out, args, startup, rows, rtt, netem, proxy.priority, load_before,
                 Path("/proc/loadavg").read_text().split()[:3], started_at, time.monotonic() - wall0)
    print(f"wrote {args.out} ({(time.monotonic() - wall0) / 60:.1f} min)")


if __name__ == "__main__":
    sys.exit(main())
