#!/bin/bash
# Entry point of the ai_invoicing image, in front of the odoo:19 image's /entrypoint.sh.
#  - admin_passwd (Odoo's master password) is set from ODOO_ADMIN_PASSWD in a private
#    copy of the configuration (the mounted file is read-only; Odoo reads this option
#    from the file only). Unset or empty: an empty admin_passwd, with which Odoo
#    refuses every master-password operation (database manager locked).
#  - When it starts the server, the database $PGDATABASE (default odoo) gets
#    ai_invoicing with demo data the first time only, in a separate
#    --stop-after-init run; later starts reuse the database as it is.
set -euo pipefail

conf=/tmp/odoo.conf
umask 077
ODOO_ADMIN_PASSWD=${ODOO_ADMIN_PASSWD:-} awk '
  { print }
  /^\[options\][[:space:]]*$/ { print "admin_passwd = " ENVIRON["ODOO_ADMIN_PASSWD"] }
' "${ODOO_RC:-/etc/odoo/odoo.conf}" >"$conf"
unset ODOO_ADMIN_PASSWD
umask 022
export ODOO_RC=$conf

starts_server() {
  case "${1:-}" in
    odoo) [ $# -eq 1 ] || [[ "$2" == -* ]] ;;
    -*) true ;;
    *) false ;;
  esac
}

if starts_server "$@"; then
  if ! grep -qE '^admin_passwd = .' "$conf"; then
    echo "ODOO_ADMIN_PASSWD is not set: the database manager is locked." >&2
  fi
  export PGDATABASE=${PGDATABASE:-odoo}
  state=$(psql -tAc "SELECT state FROM ir_module_module WHERE name = 'ai_invoicing'" \
            2>/dev/null || true)
  if [ "$state" != installed ]; then
    echo "Database $PGDATABASE: installing ai_invoicing with demo data (first start)"
    /entrypoint.sh odoo -d "$PGDATABASE" -i ai_invoicing --with-demo \
      --stop-after-init --no-http
  fi
fi
exec /entrypoint.sh "$@"
