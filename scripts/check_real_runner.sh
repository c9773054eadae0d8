#!/usr/bin/env bash
# The deployment-shape check of the test command (README.md > Test): Odoo as a prefork
# server (HTTP workers) with queue_job's job runner dispatching jobs over HTTP, on a
# throwaway copy of the test database, driven over JSON-RPC by the people who trigger
# the agents (scripts/real_runner_check.py), with a killed HTTP worker and a cut of
# the server's database connections. Bounded in time; the server is stopped by PID.
#   usage: scripts/check_real_runner.sh TEMPLATE_DB
# Environment: PYTHON (default python3), PG* (libpq), RUNNER_ORDERS (default 24),
# RUNNER_FAULTS=0 (no killed worker nor cut connections: a load measurement),
# RUNNER_SEND=0 (nothing posted nor sent: drafting only), RUNNER_TIMEOUT (seconds, default 600).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/odoo_conf.sh
PY=${PYTHON:-python3}
TEMPLATE=${1:?usage: $0 TEMPLATE_DB}
DB=${TEMPLATE}_runner
CONF=$(mktemp --suffix=.conf)
LOG=$(mktemp --suffix=.log)
SERVER_PID=""

free_port() { "$PY" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null
    pkill -KILL -P "$SERVER_PID" 2>/dev/null
  fi
  if [ "${KEEP_DB:-0}" != 1 ]; then dropdb --if-exists "$DB" >/dev/null 2>&1 || true; fi
  rm -f "$CONF"
}
trap cleanup EXIT

dropdb --if-exists "$DB" >/dev/null 2>&1 || true
createdb -T "$TEMPLATE" "$DB" || { echo "could not copy $TEMPLATE"; exit 1; }

PORT=$(free_port)
GEVENT_PORT=$(free_port)
write_odoo_conf "$CONF" "$DB"
# The production shape README.md > Production describes: queue_job server-wide, HTTP
# workers above the root channel's capacity, AI jobs one at a time, time limits above
# the longest job; the job runner dispatches over HTTP to this server.
cat >>"$CONF" <<CONFEOF
http_port = $PORT
gevent_port = $GEVENT_PORT
workers = 3
limit_time_real = 300
limit_time_cpu = 240
logfile = $LOG
log_handler = :WARNING,odoo.addons.rpc.controllers.jsonrpc:ERROR

[queue_job]
channels = root:2,root.ai_invoicing:1
CONFEOF

"$PY" -m odoo -c "$CONF" -d "$DB" --db-filter="^$DB\$" >/dev/null 2>&1 &
SERVER_PID=$!

rc=0
timeout "${RUNNER_TIMEOUT:-600}" "$PY" scripts/real_runner_check.py --url "http://127.0.0.1:$PORT" --db "$DB" \
  --server-pid "$SERVER_PID" --orders "${RUNNER_ORDERS:-24}" \
  $([ "${RUNNER_FAULTS:-1}" = 0 ] && echo --no-faults) \
  $([ "${RUNNER_SEND:-1}" = 0 ] && echo --no-send) || rc=$?
if [ "$rc" != 0 ]; then
  echo "--- server log (last 60 lines, $LOG) ---"
  tail -n 60 "$LOG"
else
  rm -f "$LOG"
fi
exit "$rc"
