#!/usr/bin/env bash
# Shared helpers for the Makefile targets: run Odoo, build and clone databases.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC1091
source "$ROOT/tools/.env"
CONF="$ROOT/tools/odoo.conf"
PY="$VENV/bin/python"
ODOO_BIN="$ODOO_SRC/odoo-bin"

say() { printf '\033[1m[%s]\033[0m %s\n' "${STEP:-odoo}" "$*"; }
die() { printf '\033[31m[%s] ERROR:\033[0m %s\n' "${STEP:-odoo}" "$*" >&2; exit 1; }

odoo() { "$PY" "$ODOO_BIN" -c "$CONF" "$@"; }
odoo_shell() { "$PY" "$ODOO_BIN" shell -c "$CONF" "$@"; }

db_exists() { [ "$(psql -X -d postgres -tAc "select 1 from pg_database where datname = '$1'")" = 1 ]; }

drop_db() {
    db_exists "$1" || return 0
    psql -X -q -d postgres -c "select pg_terminate_backend(pid) from pg_stat_activity where datname = '$1'" >/dev/null
    dropdb "$1"
    rm -rf "$DATA_DIR/filestore/$1"
}

clone_db() {  # clone_db <template> <new>: database and filestore
    drop_db "$2"
    psql -X -q -d postgres -c "select pg_terminate_backend(pid) from pg_stat_activity where datname = '$1'" >/dev/null
    # createdb refuses while another session reads the template: retry a while.
    local try
    for try in $(seq 1 30); do
        createdb -T "$1" "$2" 2>/dev/null && break
        [ "$try" = 30 ] && die "could not create $2 from $1 (is something connected to $1?)"
        sleep 2
    done
    if [ -d "$DATA_DIR/filestore/$1" ]; then
        mkdir -p "$DATA_DIR/filestore"
        cp -a "$DATA_DIR/filestore/$1" "$DATA_DIR/filestore/$2"
    fi
}

# Our addons: every folder of the repository with an Odoo manifest, the base first.
ADDONS=$(cd "$ROOT" && for m in b2b_collections*/__manifest__.py; do dirname "$m"; done | paste -sd, -)
# ... and for the tests, the addon of the product-wide tests (it needs them all).
TEST_ADDONS="$ADDONS,test_b2b_collections"

# What our addons need from Odoo: their dependencies outside this repository.
addon_depends() {
    "$PY" - "$ROOT" <<'PY'
import ast, pathlib, sys
root = pathlib.Path(sys.argv[1])
manifests = [*root.glob("b2b_collections*/__manifest__.py"), *root.glob("test_b2b_collections/__manifest__.py")]
ours = {m.parent.name for m in manifests}
deps = set()
for manifest in manifests:
    deps.update(ast.literal_eval(manifest.read_text())["depends"])
print(",".join(sorted(deps - ours)))
PY
}

# A template database with the addon's dependencies (and their demo data) installed and
# the web assets already built; named after what it contains so it is rebuilt when that
# changes. Prints its name. `template_db nodemo`: the same without any demo data (and
# without prebuilt assets), for what must not see demo records (make pot).
template_db() {
    local deps key name log demo=${1:-demo} install_args=() what
    deps=$(addon_depends)
    key=$(printf '%s|%s|%s' "$deps" "$(sed -n 's/^version_info = //p' "$ODOO_SRC/odoo/release.py")" \
          "$(stat -c %Y "$ODOO_SRC/odoo/release.py")" | sha1sum | cut -c1-8)
    name="b2b_tmpl_$key"
    what="$deps + demo, web assets prebuilt"
    if [ "$demo" = nodemo ]; then
        name="${name}_nodemo"
        install_args=(--without-demo=all)
        what="$deps, no demo data"
    fi
    if ! db_exists "$name" || [ "$(psql -X -d "$name" -tAc "select value from ir_config_parameter where key = 'b2b.template.ready'" 2>/dev/null)" != 1 ]; then
        say "building the template database $name ($what): about a minute, once" >&2
        drop_db "$name"
        log="$DATA_DIR/$name.log"
        odoo -d "$name" -i "$deps" "${install_args[@]}" --stop-after-init --no-http --log-level=warn >"$log" 2>&1 \
            || { tail -30 "$log" >&2; die "installing $deps failed (log: $log)"; }
        if [ "$demo" = nodemo ]; then
            psql -X -q -d "$name" -c "insert into ir_config_parameter (key, value) values ('b2b.template.ready', '1')"
        else
            odoo_shell -d "$name" --no-http --log-level=warn >>"$log" 2>&1 <<'PY' || { tail -30 "$log" >&2; die "building the web assets failed (log: $log)"; }
env["ir.qweb"]._pregenerate_assets_bundles()
env["ir.config_parameter"].set_param("b2b.template.ready", "1")
env.cr.commit()
PY
        fi
    fi
    echo "$name"
}
