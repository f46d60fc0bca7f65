#!/usr/bin/env bash
# Benchmark (not a test): the production server, started with the Procfile's
# command, against real PostgreSQL and Redis, measured with wrk next to the
# reference design's two sync workers, under two conditions:
#   - delayed (the headline): PostgreSQL and Redis reached through
#     bench/delay_proxy.py, which adds BENCH_DELAY_MS each way (default 1 ms,
#     a 2 ms round trip, as to a database in the same cloud region). This
#     kernel has no sch_netem, so `tc ... netem` cannot be used; see RESULTS.md.
#   - loopback: PostgreSQL and Redis answering in microseconds.
# Also: start-up time (exec to first 200 on /healthz) with dependencies
# reachable, refusing, hanging, black-holed (a network namespace of its own,
# removed on exit) and absent. About 5 minutes.
#
#   bash app/bench/run.sh            # as root; writes app/bench/RESULTS.md
#   bash app/bench/run.sh --rounds 1 --startup-runs 3   # extra arguments go to bench.py
#
# Environment: BENCH_DURATION (seconds per wrk run, default 10),
# BENCH_CONNECTIONS (default 64), BENCH_DELAY_MS (one-way, default 1),
# BENCH_THREADS_SWEEP (GUNICORN_THREADS values, or WEB_CONCURRENCYxGUNICORN_THREADS,
# also tried under the delay; default 8,16,4x4; "-" for none), BENCH_OUT (default app/bench/RESULTS.md).
# Needs the packages from scripts/install-deps.sh (wrk included), a CPython 3.11
# for the virtualenv (scripts/venv.sh) and, for the
# black-holed case (skipped otherwise), root and `ip` from iproute2.
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES=(bash "$APP_DIR/scripts/services.sh")

WORK="$(mktemp -d "${TMPDIR:-/tmp}/flask-multicloud-bench.XXXXXX")"
chmod 755 "$WORK"
export BENCH_NETNS="fmcbench-$$"
cleanup() {
  # bench.py removes its namespaces itself; this is for when it was killed.
  ip netns del "$BENCH_NETNS" 2>/dev/null || true
  ip netns del "$BENCH_NETNS-tc" 2>/dev/null || true
  "${SERVICES[@]}" down "$WORK" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

servers="$("${SERVICES[@]}" up "$WORK" SVC)"
eval "$servers"  # SVC_PG_PORT, SVC_PG_PASSWORD, SVC_REDIS_PORT, SVC_REDIS_PASSWORD
PG_PORT="$SVC_PG_PORT" PG_PASSWORD="$SVC_PG_PASSWORD" REDIS_PORT="$SVC_REDIS_PORT" REDIS_PASSWORD="$SVC_REDIS_PASSWORD"
PGPASSWORD="$PG_PASSWORD" psql -q -h 127.0.0.1 -p "$PG_PORT" -U app -d postgres -c "CREATE DATABASE bench"

export BENCH_DATABASE_URL="postgresql://app:$PG_PASSWORD@127.0.0.1:$PG_PORT/bench"
export BENCH_REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0"
export BENCH_WORK_DIR="$WORK"
export PYTHONDONTWRITEBYTECODE=1
# The servers run from the virtualenv made from requirements.txt, as in the image.
VENV="$(bash "$APP_DIR/scripts/venv.sh")"
timeout --kill-after=15 1200 "$VENV/bin/python" "$APP_DIR/bench/bench.py" \
  --out "${BENCH_OUT:-$APP_DIR/bench/RESULTS.md}" \
  --duration "${BENCH_DURATION:-10}" \
  --connections "${BENCH_CONNECTIONS:-64}" \
  --delay-ms "${BENCH_DELAY_MS:-1}" \
  --threads-sweep "${BENCH_THREADS_SWEEP:-8,16,4x4}" \
  "$@"
