#!/usr/bin/env bash
# Start and stop throwaway PostgreSQL and Redis servers on loopback, from the
# Debian packages, for the tests and the benchmark. Every wait is bounded.
#
#   services.sh free-port
#   services.sh pg-init    DIR PASSWORD      # initdb into DIR (user "app")
#   services.sh pg-start   DIR PORT          # listens on 127.0.0.1:PORT and DIR/socket
#   services.sh pg-allow   DIR CIDR          # password logins from CIDR too (before pg-start)
#   services.sh pg-stop    DIR
#   services.sh redis-start DIR PORT PASSWORD [TLS_PORT CERT KEY CA]
#   services.sh redis-stop  DIR
#   services.sh up   DIR PREFIX  # both, in DIR/pg and DIR/redis, on free ports with new passwords;
#                                # prints PREFIX_PG_PORT=... (and _PG_PASSWORD, _REDIS_PORT,
#                                # _REDIS_PASSWORD) for the caller to eval
#   services.sh down DIR   # stops what `up` started
#
# SERVICES_LISTEN (default 127.0.0.1): the addresses both servers listen on,
# comma-separated; the container tests add the Docker bridge's.
# SERVICES_ALLOW_CIDR: with `up`, PostgreSQL also takes password logins from there.
#
# PostgreSQL refuses to run as root, so as root it runs as the "postgres"
# user the Debian package creates; DIR's parent must then be traversable by
# that user (test.sh and bench/run.sh make their temporary directory 0755).
set -euo pipefail

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  RUNUSER="$(command -v runuser || echo /usr/sbin/runuser)"
  RUN_AS=("$RUNUSER" -u postgres --)
fi

LISTEN="${SERVICES_LISTEN:-127.0.0.1}"

die() { echo "services.sh: $*" >&2; exit 1; }

own() {
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$@"; fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_init() {
  local dir="$1" password="$2"
  [ -n "$PG_BIN" ] || die "PostgreSQL is not installed: run scripts/install-deps.sh"
  mkdir -p "$dir"
  own "$dir"
  if [ "$(id -u)" -eq 0 ] && ! "${RUN_AS[@]}" test -w "$dir"; then
    die "user postgres cannot write to $dir: make its parent directories traversable (chmod 755)"
  fi
  local pwfile="$dir/.pw"
  printf '%s\n' "$password" > "$pwfile"
  own "$pwfile"
  # Loopback TCP needs the password (as a platform's database would);
  # the Unix socket, reachable only on this machine, trusts its users.
  "${RUN_AS[@]}" "$PG_BIN/initdb" -D "$dir/data" -U app --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"
  mkdir -p "$dir/socket"
  own "$dir/socket"
}

pg_start() {
  local dir="$1" port="$2"
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
    -o "-c listen_addresses=$LISTEN -c port=$port -c unix_socket_directories=$dir/socket -c max_connections=200" \
    start >/dev/null || { tail -n 20 "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
}

pg_allow() {
  local dir="$1" cidr="$2"
  echo "host all all $cidr scram-sha-256" >> "$dir/data/pg_hba.conf"
}

pg_stop() {
  local dir="$1"
  [ -f "$dir/data/postmaster.pid" ] || return 0
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
    || "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
}

redis_start() {
  local dir="$1" port="$2" password="$3" tls_port="${4:-}" cert="${5:-}" key="${6:-}" ca="${7:-}"
  mkdir -p "$dir"
  local args=(--bind ${LISTEN//,/ } --port "$port" --requirepass "$password" --dir "$dir"
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    --save "" --appendonly no)
  if [ -n "$tls_port" ]; then
    args+=(--tls-port "$tls_port" --tls-cert-file "$cert" --tls-key-file "$key"
      --tls-ca-cert-file "$ca" --tls-auth-clients no)
  fi
  /usr/bin/redis-server "${args[@]}"
  local i
  for i in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning -a "$password" ping 2>/dev/null | grep -q PONG; then
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$dir/redis.log" >&2 || true
  die "Redis did not start on port $port"
}

redis_stop() {
  local dir="$1" pid i
  [ -f "$dir/redis.pid" ] || return 0
  pid="$(cat "$dir/redis.pid")"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/redis.pid"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/redis.pid"
}

up() {
  local dir="$1" prefix="$2" pg_port pg_password redis_port redis_password
  pg_port="$(free_port)"
  redis_port="$(free_port)"
  pg_password="pg-$RANDOM$RANDOM$RANDOM"
  redis_password="redis-$RANDOM$RANDOM$RANDOM"
  pg_init "$dir/pg" "$pg_password"
  if [ -n "${SERVICES_ALLOW_CIDR:-}" ]; then pg_allow "$dir/pg" "$SERVICES_ALLOW_CIDR"; fi
  pg_start "$dir/pg" "$pg_port"
  redis_start "$dir/redis" "$redis_port" "$redis_password"
  printf '%s_PG_PORT=%q\n%s_PG_PASSWORD=%q\n%s_REDIS_PORT=%q\n%s_REDIS_PASSWORD=%q\n' \
    "$prefix" "$pg_port" "$prefix" "$pg_password" "$prefix" "$redis_port" "$prefix" "$redis_password"
}

down() {
  pg_stop "$1/pg" || true
  redis_stop "$1/redis" || true
}

cmd="${1:-}"
shift || true
case "$cmd" in
  free-port) free_port ;;
  pg-init) pg_init "$@" ;;
  pg-start) pg_start "$@" ;;
  pg-allow) pg_allow "$@" ;;
  pg-stop) pg_stop "$@" ;;
  redis-start) redis_start "$@" ;;
  redis-stop) redis_stop "$@" ;;
  up) up "$@" ;;
  down) down "$@" ;;
  *) die "unknown command '$cmd' (see the header of this file)" ;;
esac
