#!/usr/bin/env bash
# Serve Odoo with b2b_collections and its demo data (make run).
set -euo pipefail
STEP=run
source "$(dirname "$0")/odoo.sh"
DB=${DB:-b2b_demo}
PORT=${PORT:-8069}
if db_exists "$DB" && [ "$(psql -X -d "$DB" -tAc "select state from ir_module_module where name = 'b2b_collections'" 2>/dev/null)" = installed ]; then
    # A database of an earlier version (even of the single addon, which the
    # migration of b2b_collections 18.0.2.0.0 cuts in pieces): update what is
    # installed, install what is new.
    say "updating the existing database $DB: $ADDONS"
    odoo -d "$DB" -u "$ADDONS" -i "$ADDONS" --stop-after-init --no-http --log-level=warn
else
    tmpl=$(template_db)
    say "creating $DB from $tmpl and installing $ADDONS with their demo data"
    clone_db "$tmpl" "$DB"
    odoo -d "$DB" -i "$ADDONS" --stop-after-init --no-http --log-level=warn
fi
cat <<MSG

  Odoo with B2B Collections: http://localhost:$PORT   (database $DB)
  Log in as admin / admin (manager), or clara.collector / clara.collector (collector).
  Agency portal: northbridge / northbridge or keystone / keystone (http://localhost:$PORT/my/placements).
  Open the Collections app from the home menu. Stop with Ctrl-C.

MSG
exec "$PY" "$ODOO_BIN" -c "$CONF" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT" --log-level=warn
