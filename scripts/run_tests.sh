#!/usr/bin/env bash
# The project's one test command (see README.md > Test):
#   0. when $PYTHON (default python3) lacks the test packages of requirements.txt,
#      it makes ./.venv from requirements.txt and uses it (an Odoo that $PYTHON
#      can import stays visible from it);
#   1. the pure-Python suite (ai_invoicing/services, fake LLM server) with plain pytest;
#   2. the Odoo suite with pytest-odoo on a throwaway database, whenever Odoo 19
#      is importable and PostgreSQL is reachable; otherwise it says so, loudly.
# Exit status: 0 only when every suite that ran passed and collected tests.
# Environment: PYTHON (default python3), VENV (default .venv),
# PGHOST/PGPORT/PGUSER/PGPASSWORD, ODOO_TEST_DB (default: a fresh
# ai_invoicing_test_<pid>), KEEP_DB=1 to keep it.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/odoo_conf.sh
PY=${PYTHON:-python3}
status=0

# Top-level modules of requirements.txt (found, not imported: pytest_odoo imports Odoo).
has_requirements() {
  "$1" - <<'PYEOF' 2>/dev/null
import importlib.util, sys
mods = ("pytest", "pytest_odoo", "openai", "pydantic", "stdnum", "websocket")
sys.exit(0 if all(importlib.util.find_spec(m) for m in mods) else 1)
PYEOF
}

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "$PY not found: set PYTHON to a Python 3.10+ interpreter." >&2
  exit 1
fi
if ! has_requirements "$PY"; then
  VENV=${VENV:-.venv}
  # An Odoo installed for $PY stays visible from the virtual environment: its site
  # directories come after the environment's own (a .pth file; works when $PY is a
  # virtual environment too, unlike --system-site-packages).
  sites=""
  if "$PY" -c "import odoo.release" 2>/dev/null; then
    sites=$("$PY" -c "import site; print(repr([*site.getsitepackages(), site.getusersitepackages()]))")
  fi
  want="$(cksum <requirements.txt) $sites"
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements" 2>/dev/null)" != "$want" ]; then
    if [ -e "$VENV" ] && [ ! -f "$VENV/pyvenv.cfg" ]; then
      echo "$VENV exists and is not a virtual environment: set VENV to another path." >&2
      exit 1
    fi
    echo "== $PY lacks the test packages: setting up $VENV from requirements.txt"
    if ! { "$PY" -m venv --clear "$VENV" \
           && "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt; }; then
      echo "Could not set up $VENV (on Debian/Ubuntu: apt-get install python3-venv)." >&2
      exit 1
    fi
    if [ -n "$sites" ]; then
      "$VENV/bin/python" - "$sites" <<'PYEOF'
import os, sys, sysconfig
pth = os.path.join(sysconfig.get_paths()["purelib"], "zz_parent_python_sites.pth")
with open(pth, "w") as f:
    f.write("import site; list(map(site.addsitedir, %s))\n" % sys.argv[1])
PYEOF
    fi
    echo "$want" >"$VENV/.requirements"
  fi
  PY=$VENV/bin/python
fi

# pytest's exit status 5 means "no tests collected": a failure here, not a pass.
run_pytest() {
  local rc=0
  "$PY" -m pytest "$@" || rc=$?
  if [ "$rc" = 5 ]; then echo "!!! pytest collected no tests (exit status 5): counted as a failure."; fi
  return "$rc"
}

echo "== Pure-Python suite ($PY)"
run_pytest tests/unit -q -p no:cacheprovider -p no:odoo || status=$?

echo "== Translations: every msgid of each .pot in fr, nl, de, es, it (scripts/check_po.py)"
"$PY" scripts/check_po.py || status=1

skip() {
  local pure="it passed"
  if [ "$status" != 0 ]; then pure="it FAILED (exit status $status)"; fi
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! ODOO SUITE SKIPPED: $1"
  echo "!!! Only the pure-Python suite ran: $pure."
  echo "!!! README.md > Test says how to set up Odoo 19 (or: docker compose run --rm tests)."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  exit "$status"
}

"$PY" -c "import odoo.release as r, sys; sys.exit(0 if r.version_info[0] == 19 else 1)" 2>/dev/null \
  || skip "Odoo 19 is not importable by $PY."
"$PY" -c "import odoo.addons.queue_job" 2>/dev/null \
  || skip "queue_job is not installed (README.md > Test)."
"$PY" -c "import pytest_odoo" 2>/dev/null || skip "pytest-odoo is not installed."
"$PY" - <<'PYEOF' 2>/dev/null || skip "PostgreSQL is not reachable (PGHOST=${PGHOST:-socket} PGUSER=${PGUSER:-$(id -un)})."
import psycopg2
psycopg2.connect(dbname="postgres").close()
PYEOF

DB=${ODOO_TEST_DB:-ai_invoicing_test_$$}
CONF=$(mktemp --suffix=.conf)
INSTALL_LOG=$(mktemp --suffix=.log)
cleanup() {
  rm -f "$CONF"
  if [ "${KEEP_DB:-0}" != 1 ]; then dropdb --if-exists "$DB" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
write_odoo_conf "$CONF" "$DB"

# The addons under test, with Odoo's own account_peppol (Community) so that the
# Peppol sending path is proven too (Odoo's demo mode of the proxy, no network),
# and the bridge ai_invoicing_project when the tree has timesheets and expenses.
present() {
  "$PY" - "$@" <<'PYCHECK' 2>/dev/null
import os, sys
import odoo.addons
names = sys.argv[1:]
ok = all(any(os.path.isfile(os.path.join(p, n, "__manifest__.py")) for p in odoo.addons.__path__)
         for n in names)
sys.exit(0 if ok else 1)
PYCHECK
}
if [ -z "${ODOO_TEST_MODULES:-}" ]; then
  ODOO_TEST_MODULES=ai_invoicing
  if present account_peppol certificate; then
    ODOO_TEST_MODULES=$ODOO_TEST_MODULES,account_peppol
  else
    echo "!!! account_peppol (or its dependency certificate) is not in this Odoo tree: the Peppol test skips"
  fi
  if present sale_timesheet sale_expense; then
    ODOO_TEST_MODULES=$ODOO_TEST_MODULES,ai_invoicing_project
  else
    echo "!!! sale_timesheet or sale_expense is not in this Odoo tree: ai_invoicing_project is not tested"
  fi
fi
MODULES=$ODOO_TEST_MODULES
# Odoo's own modules first (their demo orders are confirmed before our hooks exist,
# so no job is left pending for the tests), then this repository's addons.
OURS=$(for m in ${MODULES//,/ }; do [ -d "$m" ] && echo "$m"; done | paste -sd, -)
THEIRS=$("$PY" - "$MODULES" <<'PYDEPS'
import ast, os, sys
mods = sys.argv[1].split(",")
ours = [m for m in mods if os.path.isdir(m)]
deps = [m for m in mods if m not in ours]
for m in ours:
    manifest = ast.literal_eval(open(os.path.join(m, "__manifest__.py")).read())
    deps += [d for d in manifest.get("depends", []) if d not in ours and d not in deps]
print(",".join(deps))
PYDEPS
)
TEST_DIRS=()
for module in ${MODULES//,/ }; do
  [ -d "$module/tests" ] && TEST_DIRS+=("$module/tests")
done

echo
echo "== Odoo suite: installing $MODULES (with demo data) in throwaway database $DB"
dropdb --if-exists "$DB" >/dev/null 2>&1 || true
start=$(date +%s)
install_rc=0
for step in "$THEIRS" "$OURS"; do
  [ -n "$step" ] || continue
  "$PY" -m odoo -c "$CONF" -d "$DB" -i "$step" --with-demo --stop-after-init \
    --log-level=warn >>"$INSTALL_LOG" 2>&1 || install_rc=$?
done
grep -E "ERROR|CRITICAL|Traceback" "$INSTALL_LOG"
if [ "$install_rc" != 0 ] || grep -qE "ERROR|CRITICAL" "$INSTALL_LOG"; then
  echo "Installation of $MODULES failed (exit status $install_rc, log: $INSTALL_LOG)"
  exit 1
fi
rm -f "$INSTALL_LOG"
echo "installed in $(( $(date +%s) - start )) s"

echo "== Odoo suite: pytest-odoo"
run_pytest "${TEST_DIRS[@]}" -o addopts="" -p no:cacheprovider -q \
  --odoo-config="$CONF" --odoo-database="$DB" --odoo-log-level=warn --odoo-http "$@" || status=$?
if [[ ",$MODULES," == *",ai_invoicing_project,"* ]] && [ "$status" = 0 ]; then
  echo
  echo "== Bridge install / uninstall check (scripts/check_project_bridge.sh)"
  ./scripts/check_project_bridge.sh || status=$?
fi
if [ "$status" = 0 ]; then
  echo
  echo "== Real runner check: prefork server + queue_job's job runner over HTTP (scripts/check_real_runner.sh)"
  ./scripts/check_real_runner.sh "$DB" || status=$?
fi
exit "$status"
