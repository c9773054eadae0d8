#!/usr/bin/env bash
# The project's one test command (see README.md):
#   1. the pure-Python suite (ai_invoicing/services, fake LLM server) with plain pytest;
#   2. the Odoo suite with pytest-odoo on a throwaway database, whenever Odoo 19
#      is importable and PostgreSQL is reachable; otherwise it says so, loudly.
# Environment: PYTHON (default python3), PGHOST/PGPORT/PGUSER/PGPASSWORD,
# ODOO_TEST_DB (default: a fresh ai_invoicing_test_<pid>), KEEP_DB=1 to keep it.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
status=0

echo "== Pure-Python suite"
"$PY" -m pytest tests/unit -q -p no:cacheprovider -p no:odoo || status=$?

skip() {
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! ODOO SUITE SKIPPED: $1"
  echo "!!! Only the pure-Python suite ran. See README.md > Tests to set up Odoo 19."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  exit "$status"
}

"$PY" -c "import odoo.release as r, sys; sys.exit(0 if r.version_info[0] == 19 else 1)" 2>/dev/null \
  || skip "Odoo 19 is not importable by $PY."
"$PY" -c "import odoo.addons.queue_job" 2>/dev/null \
  || skip "queue_job is not installed (pip install odoo-addon-queue-job)."
"$PY" -c "import pytest_odoo" 2>/dev/null || skip "pytest-odoo is not installed."
"$PY" - <<'PYEOF' 2>/dev/null || skip "PostgreSQL is not reachable (PGHOST=${PGHOST:-socket} PGUSER=${PGUSER:-$USER})."
import psycopg2
psycopg2.connect(dbname="postgres").close()
PYEOF

DB=${ODOO_TEST_DB:-ai_invoicing_test_$$}
ODOO_ADDONS=$("$PY" -c "import odoo.addons, os; print(','.join(p for p in odoo.addons.__path__ if os.path.isdir(os.path.join(p, 'account'))))")
ADDONS_PATH="$ODOO_ADDONS,$PWD"
CONF=$(mktemp --suffix=.conf)
cleanup() {
  rm -f "$CONF"
  if [ "${KEEP_DB:-0}" != 1 ]; then dropdb --if-exists "$DB" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
cat >"$CONF" <<CONFEOF
[options]
addons_path = $ADDONS_PATH
db_name = $DB
server_wide_modules = base,web,queue_job
log_level = warn
max_cron_threads = 0
http_interface = 127.0.0.1
CONFEOF
for pair in PGHOST:db_host PGPORT:db_port PGUSER:db_user PGPASSWORD:db_password; do
  var=${pair%%:*}
  value=${!var:-}
  if [ -n "$value" ]; then echo "${pair#*:} = $value" >>"$CONF"; fi
done

echo
echo "== Odoo suite: installing ai_invoicing (with demo data) in throwaway database $DB"
dropdb --if-exists "$DB" >/dev/null 2>&1 || true
start=$(date +%s)
if ! "$PY" -m odoo -c "$CONF" -d "$DB" -i ai_invoicing --with-demo --stop-after-init \
    --log-level=warn 2>&1 | tee /tmp/ai_invoicing_install_$$.log | grep -E "ERROR|CRITICAL|Traceback" ; then
  :
fi
if grep -qE "ERROR|CRITICAL" /tmp/ai_invoicing_install_$$.log; then
  echo "Installation of ai_invoicing failed (log: /tmp/ai_invoicing_install_$$.log)"
  exit 1
fi
echo "installed in $(( $(date +%s) - start )) s"

echo "== Odoo suite: pytest-odoo"
"$PY" -m pytest ai_invoicing/tests -o addopts="" -p no:cacheprovider -q \
  --odoo-config="$CONF" --odoo-database="$DB" --odoo-log-level=warn --odoo-http "$@" || status=$?
exit "$status"
