#!/usr/bin/env bash
# Benchmark (not a test): the production server, started with the Procfile's
# command, against real PostgreSQL and Redis on loopback, measured with wrk.
#
#   bash app/bench/run.sh            # writes app/bench/RESULTS.md
#
# Environment: BENCH_DURATION (seconds per wrk run, default 15),
# BENCH_CONNECTIONS (default 64), BENCH_OUT (default app/bench/RESULTS.md).
# Needs the packages from scripts/install-deps.sh (wrk included).
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES=(bash "$APP_DIR/scripts/services.sh")

WORK="$(mktemp -d "${TMPDIR:-/tmp}/flask-multicloud-bench.XXXXXX")"
chmod 755 "$WORK"
cleanup() {
  "${SERVICES[@]}" pg-stop "$WORK/pg" || true
  "${SERVICES[@]}" redis-stop "$WORK/redis" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PG_PASSWORD="bench-$RANDOM$RANDOM"
PG_PORT="$("${SERVICES[@]}" free-port)"
REDIS_PASSWORD="bench-$RANDOM$RANDOM"
REDIS_PORT="$("${SERVICES[@]}" free-port)"
"${SERVICES[@]}" pg-init "$WORK/pg" "$PG_PASSWORD"
"${SERVICES[@]}" pg-start "$WORK/pg" "$PG_PORT"
"${SERVICES[@]}" redis-start "$WORK/redis" "$REDIS_PORT" "$REDIS_PASSWORD"
PGPASSWORD="$PG_PASSWORD" psql -q -h 127.0.0.1 -p "$PG_PORT" -U app -d postgres -c "CREATE DATABASE bench"

export BENCH_DATABASE_URL="postgresql://app:$PG_PASSWORD@127.0.0.1:$PG_PORT/bench"
export BENCH_REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0"
export BENCH_WORK_DIR="$WORK"
export PYTHONDONTWRITEBYTECODE=1
timeout --kill-after=15 1200 /usr/bin/python3 "$APP_DIR/bench/bench.py" \
  --out "${BENCH_OUT:-$APP_DIR/bench/RESULTS.md}" \
  --duration "${BENCH_DURATION:-15}" \
  --connections "${BENCH_CONNECTIONS:-64}"
