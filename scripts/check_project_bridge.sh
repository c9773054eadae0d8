#!/usr/bin/env bash
# Install and uninstall check of the bridge addon ai_invoicing_project, on a
# throwaway database (what an Odoo test cannot do inside its transaction):
#   1. installing ai_invoicing and sale_timesheet auto-installs the bridge
#      (and sale_expense, its dependency for re-invoiced expenses);
#   2. the bridge's data is there (agent, fields, cron, job function) and a
#      project log can be written;
#   3. uninstalling it removes its logs (selection ondelete cascade), fields,
#      cron and job function, and leaves ai_invoicing and its other logs intact;
#   4. it installs again.
# Environment: PYTHON (default python3), PGHOST/PGPORT/PGUSER/PGPASSWORD,
# BRIDGE_TEST_DB (default ai_invoicing_bridge_<pid>), KEEP_DB=1 to keep it.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/odoo_conf.sh
PY=${PYTHON:-python3}
DB=${BRIDGE_TEST_DB:-ai_invoicing_bridge_$$}
CONF=$(mktemp --suffix=.conf)
LOG=$(mktemp --suffix=.log)
cleanup() {
  rm -f "$CONF"
  if [ "${KEEP_DB:-0}" != 1 ]; then dropdb --if-exists "$DB" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
write_odoo_conf "$CONF" "$DB"

fail() { echo "!!! $1 (log: $LOG)"; exit 1; }
odoo() { "$PY" -m odoo "$@" >>"$LOG" 2>&1; }
shell() { "$PY" -m odoo shell -c "$CONF" -d "$DB" --no-http --log-level=warn 2>>"$LOG"; }
clean_log() { ! grep -qE "ERROR|CRITICAL|Traceback" "$LOG"; }

dropdb --if-exists "$DB" >/dev/null 2>&1 || true
echo "== 1. install ai_invoicing + sale_timesheet in $DB: the bridge comes by itself"
odoo -c "$CONF" -d "$DB" -i ai_invoicing,sale_timesheet --stop-after-init || fail "install failed"
clean_log || fail "errors during install"

echo "== 2. the bridge is installed and works"
out=$(shell <<'PYEOF'
mods = env["ir.module.module"].search([("name", "in", ["ai_invoicing_project", "sale_expense"])])
assert set(mods.mapped("state")) == {"installed"}, mods.mapped(lambda m: (m.name, m.state))
assert "ai.invoice.agent.project" in env, "agent model"
assert env.ref("ai_invoicing_project.ir_cron_ai_draft_project_periods")
assert env.ref("ai_invoicing_project.queue_job_function_ai_invoice_agent_project")
company = env.company
Log = env["ai.invoice.log"]
project = env["project.project"].create({"name": "Bridge check", "ai_invoice_period": "weekly"})
logs = Log._system_create([
    {"agent": "project_invoice", "trigger": "milestone_reached", "company_id": company.id,
     "project_id": project.id, "state": "done"},
    {"agent": "project_invoice", "trigger": "period", "company_id": company.id,
     "project_id": project.id, "ai_period_start": "2026-03-02", "ai_period_end": "2026-03-08",
     "state": "done"},
    {"agent": "invoice_draft", "trigger": "manual", "company_id": company.id, "state": "done",
     "rationale": "kept after uninstall"},
])
env.cr.commit()
print("LOGS", logs.ids)
PYEOF
)
echo "$out" | grep -q "^LOGS" || fail "the bridge's data or a project log is missing: $out"

echo "== 3. uninstall the bridge"
odoo module uninstall -c "$CONF" -d "$DB" ai_invoicing_project || fail "uninstall failed"
clean_log || fail "errors during uninstall"
out=$(shell <<'PYEOF'
cr = env.cr
mods = dict(env["ir.module.module"].search([("name", "in", ["ai_invoicing", "ai_invoicing_project"])]).mapped(lambda m: (m.name, m.state)))
assert mods == {"ai_invoicing": "installed", "ai_invoicing_project": "uninstalled"}, mods
cr.execute("""SELECT table_name, column_name FROM information_schema.columns
              WHERE (table_name = 'ai_invoice_log' AND column_name IN
                     ('project_id', 'milestone_id', 'ai_period_start', 'ai_period_end'))
                 OR (table_name = 'project_project' AND column_name LIKE 'ai\\_%')
                 OR (table_name = 'res_company' AND column_name IN
                     ('ai_check_project', 'ai_project_llm_share_internal'))""")
assert not cr.fetchall(), "bridge columns left behind"
cr.execute("SELECT agent, trigger, rationale FROM ai_invoice_log WHERE agent = 'project_invoice' OR trigger = 'milestone_reached'")
assert not cr.fetchall(), "project logs left behind"
cr.execute("SELECT count(*) FROM ai_invoice_log WHERE rationale = 'kept after uninstall'")
assert cr.fetchone()[0] == 1, "another agent's log was removed"
assert not env.ref("ai_invoicing_project.ir_cron_ai_draft_project_periods", raise_if_not_found=False)
cr.execute("SELECT count(*) FROM queue_job_function WHERE name LIKE '%ai.invoice.agent.project%'")
assert cr.fetchone()[0] == 0, "job function left behind"
cr.execute("SELECT count(*) FROM ir_model WHERE model = 'ai.invoice.agent.project'")
assert cr.fetchone()[0] == 0, "agent model left behind"
print("CLEAN")
PYEOF
)
echo "$out" | grep -q "^CLEAN" || fail "uninstall left something behind: $out"

echo "== 4. install it again"
odoo -c "$CONF" -d "$DB" -i ai_invoicing_project --stop-after-init || fail "reinstall failed"
clean_log || fail "errors during reinstall"
echo "== the bridge installs, uninstalls cleanly and installs again"
rm -f "$LOG"
