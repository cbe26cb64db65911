#!/usr/bin/env bash
# A throwaway PostgreSQL for developing and testing modelstash's PostgreSQL catalog.
#
#   scripts/dev-postgres.sh start [--port N] [--dir D]   start it (idempotent); print the export line
#   scripts/dev-postgres.sh env   [--port N] [--dir D]   print the export line again
#   scripts/dev-postgres.sh status [--port N] [--dir D]
#   scripts/dev-postgres.sh stop  [--port N] [--dir D]   stop it and delete its data
#
# It uses the server binaries of Debian's postgresql package (/usr/lib/postgresql/<v>/bin), keeps its
# data in /tmp/modelstash-postgres-<port>, listens on 127.0.0.1 (port 5432 unless --port or
# MODELSTASH_PG_PORT says otherwise) with password authentication, and has user modelstash
# (password modelstash) owning database modelstash_test. Durability is off (fsync=off): this server
# is for tests only. As root it runs the server as user postgres, which refuses to run as root.
#
# Only the export line goes to standard output, so `eval "$(scripts/dev-postgres.sh start)"` works.
set -euo pipefail

command=${1:-start}
[ $# -gt 0 ] && shift
port=${MODELSTASH_PG_PORT:-5432}
dir=${MODELSTASH_PG_DIR:-}
while [ $# -gt 0 ]; do
  case $1 in
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    *) echo "dev-postgres: unknown argument '$1' (see the top of $0)" >&2; exit 2 ;;
  esac
done
case $port in
  '' | *[!0-9]*) echo "dev-postgres: port '$port' is not a number" >&2; exit 2 ;;
esac
dir=${dir:-/tmp/modelstash-postgres-$port}

user=modelstash
password=modelstash
database=modelstash_test
url="postgresql://$user:$password@127.0.0.1:$port/$database"

say() { echo "dev-postgres: $*" >&2; }

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$found" ] && command -v pg_ctl >/dev/null 2>&1; then
    found=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
  fi
  if [ -z "$found" ] || [ ! -x "$found/pg_ctl" ] || [ ! -x "$found/psql" ]; then
    say "no PostgreSQL server found; install it with: apt-get install postgresql"
    exit 1
  fi
  echo "$found"
}

bin=$(bindir)

# Runs a server program as the user that owns the data (postgres when we are root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      say "running as root needs a 'postgres' user to own the server (install the postgresql package)"
      exit 1
    fi
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() {
  [ -f "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1
}

port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

psql_admin() {
  as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

start() {
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    chmod 700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres: "$dir"
    fi
    say "creating a cluster in $dir"
    # Databases sort text like most production servers do (ICU, English), not byte by byte, so
    # tests notice SQL whose result depends on the collation.
    local collation=()
    if "$bin/initdb" --help | grep -q -- --locale-provider; then
      collation=(--locale-provider=icu --icu-locale=en-US --locale=C.UTF-8)
    fi
    as_owner "$bin/initdb" -D "$dir" -U postgres -E UTF8 "${collation[@]}" --auth-local=trust \
      --auth-host=scram-sha-256 >"$dir.initdb.log" 2>&1 || {
      cat "$dir.initdb.log" >&2
      exit 1
    }
    rm -f "$dir.initdb.log"
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $port"
      echo "unix_socket_directories = '$dir'"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    } | as_owner tee -a "$dir/postgresql.conf" >/dev/null
  fi
  if ! running; then
    if port_busy; then
      say "port $port on 127.0.0.1 is already in use by another server; choose one with --port"
      exit 1
    fi
    say "starting PostgreSQL on 127.0.0.1:$port (log: $dir/server.log)"
    if ! as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null; then
      tail -n 20 "$dir/server.log" >&2 || true
      exit 1
    fi
  fi
  psql_admin <<SQL
SELECT 'CREATE ROLE $user LOGIN'
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$user') \gexec
ALTER ROLE $user WITH LOGIN PASSWORD '$password';
SELECT 'CREATE DATABASE $database OWNER $user'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$database') \gexec
SQL
  say "ready: $url"
  echo "export MODELSTASH_TEST_POSTGRES=$url"
}

stop() {
  if running; then
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    say "stopped the server on port $port"
  fi
  if [ -d "$dir" ]; then
    rm -rf "$dir"
    say "deleted $dir"
  fi
}

case $command in
  start) start ;;
  stop) stop ;;
  env) echo "export MODELSTASH_TEST_POSTGRES=$url" ;;
  status)
    if running; then
      say "running on 127.0.0.1:$port, data in $dir"
    else
      say "not running (data dir $dir)"
      exit 3
    fi
    ;;
  *) say "unknown command '$command': use start, stop, status or env"; exit 2 ;;
esac
