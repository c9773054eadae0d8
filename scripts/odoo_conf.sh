# Sourced by the test scripts: write_odoo_conf FILE DB writes an Odoo configuration
# for database DB with Odoo's addons (those of the Odoo that $PY imports) and this
# repository, queue_job server-wide, no cron thread, and the PG* connection variables.
write_odoo_conf() {
  local conf=$1 db=$2 odoo_addons
  odoo_addons=$("$PY" -c "import odoo.addons, os; print(','.join(p for p in odoo.addons.__path__ if os.path.isdir(os.path.join(p, 'account'))))")
  cat >"$conf" <<CONFEOF
[options]
addons_path = $odoo_addons,$PWD
db_name = $db
server_wide_modules = base,web,queue_job
log_level = warn
max_cron_threads = 0
http_interface = 127.0.0.1
CONFEOF
  local pair var value
  for pair in PGHOST:db_host PGPORT:db_port PGUSER:db_user PGPASSWORD:db_password; do
    var=${pair%%:*}
    value=${!var:-}
    if [ -n "$value" ]; then echo "${pair#*:} = $value" >>"$conf"; fi
  done
}
