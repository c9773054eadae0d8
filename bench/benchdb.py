"""The database of the Odoo benches: a throwaway database with ai_invoicing installed
(or copied from a template database, installed there on first use), dropped at the end
unless ``--keep-db``."""

import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def addons_path():
    """Odoo's addons folders (those with ``account``) and this repository."""
    import odoo.addons

    odoo_dirs = [p for p in odoo.addons.__path__ if os.path.isdir(os.path.join(p, "account"))]
    return ",".join(odoo_dirs + [REPO])


def database_exists(name):
    out = subprocess.run(
        ["psql", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'", "postgres"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() == "1"


def install(python, name):
    print(f"creating database {name} with ai_invoicing installed ...", flush=True)
    subprocess.run(["dropdb", "--if-exists", name], check=False)
    started = time.monotonic()
    command = [python, "-m", "odoo", "--addons-path", addons_path(), "-d", name]
    command += ["-i", "ai_invoicing", "--stop-after-init", "--log-level=warn"]
    subprocess.run(command, check=True)
    print(f"  installed in {time.monotonic() - started:.0f} s", flush=True)


def create_database(python, name, template=None):
    """``name`` with ai_invoicing: installed, or copied from ``template``."""
    if not template:
        install(python, name)
        return
    if not database_exists(template):
        install(python, template)
    subprocess.run(["dropdb", "--if-exists", name], check=False)
    subprocess.run(["createdb", "-T", template, name], check=True)
    print(f"database {name} copied from {template}", flush=True)


def main(run, args, create=True):
    """Make the database (unless ``create`` is false: an existing one), ``run(args)``,
    then drop it unless ``args.keep_db``."""
    sys.path.insert(0, REPO)
    if create:
        create_database(args.python, args.db, getattr(args, "template", None))
    try:
        run(args)
    finally:
        if create and not args.keep_db:
            subprocess.run(["dropdb", "--if-exists", args.db], check=False)


def add_database_args(parser, name):
    """The database options every Odoo bench takes (``name``: the default database)."""
    parser.add_argument("--db", default=f"{name}_{os.getpid()}")
    parser.add_argument(
        "--template", help="copy this database (ai_invoicing installed) instead of installing"
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--python", default=sys.executable)
    return parser


def ensure_accounting(env):
    """The bench company has a chart of accounts (a bare database gets the generic one)."""
    company = env.company
    if not env["account.journal"].search_count(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    ):
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    return company
