#!/usr/bin/env bash
# make pot: regenerate i18n/<addon>.pot of every product addon, exported by Odoo itself
# from a fresh database where all of them are installed without demo data.
# A template whose terms did not change keeps its file (and its dates).
set -euo pipefail
STEP=pot
source "$(dirname "$0")/odoo.sh"
POT_DB=${POT_DB:-b2b_pot}
LOGDIR="$DATA_DIR/logs"
mkdir -p "$LOGDIR"
LOG="$LOGDIR/pot-$POT_DB.log"

tmpl=$(template_db nodemo)
say "fresh database $POT_DB from $tmpl; installing $ADDONS without demo data"
clone_db "$tmpl" "$POT_DB"
odoo -d "$POT_DB" -i "$ADDONS" --without-demo=all --stop-after-init --no-http --log-level=warn \
    >"$LOG" 2>&1 || { tail -40 "$LOG"; die "installing $ADDONS in $POT_DB failed"; }

# The header's dates change at every export: they alone don't make a new template.
terms() { grep -v -e '^"POT-Creation-Date: ' -e '^"PO-Revision-Date: ' "$1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
IFS=, read -r -a addons <<<"$ADDONS"
for addon in "${addons[@]}"; do
    pot="$ROOT/$addon/i18n/$addon.pot"
    odoo -d "$POT_DB" --i18n-export="$tmp/$addon.pot" --modules="$addon" \
        --stop-after-init --no-http --log-level=warn >>"$LOG" 2>&1 \
        || { tail -40 "$LOG"; die "exporting the terms of $addon failed"; }
    if [ -f "$pot" ] && diff -q <(terms "$pot") <(terms "$tmp/$addon.pot") >/dev/null; then
        say "$addon/i18n/$addon.pot: unchanged"
    else
        mkdir -p "$(dirname "$pot")"
        cp "$tmp/$addon.pot" "$pot"
        say "$addon/i18n/$addon.pot: written ($(grep -c '^msgid ' "$pot") entries)"
    fi
done
drop_db "$POT_DB"
