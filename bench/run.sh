#!/usr/bin/env bash
# make bench: measure the collections hot paths on a generated ledger.
#
#   b2b_bench_base       fresh database, b2b_collections installed without any demo
#   b2b_bench_<N>        + a ledger of N invoices generated through the ORM (once, cached)
#   b2b_bench_<N>_run    scratch clone of b2b_bench_<N> that each run measures, then drops
#
# BENCH_INVOICES  invoices in the ledger (20000; 500 for a quick check)
# BENCH_ADDON     the addon measured: "worktree" (default) or a git revision (HEAD, a
#                 commit), taken with git archive so edits in progress can't break a run
# BENCH_LEDGER_REV  the addon revision a new ledger is generated with (HEAD)
# BENCH_TODAY (2026-11-01), BENCH_SEED (42), BENCH_REPEAT (warm repetitions, 5),
# BENCH_KEEP=1 keeps the scratch database. Arguments go to bench/bench_worklist.py.
set -euo pipefail
STEP=bench
# shellcheck source=../tools/odoo.sh
source "$(dirname "$0")/../tools/odoo.sh"
N=${BENCH_INVOICES:-20000}
ADDON=${BENCH_ADDON:-worktree}
LEDGER_REV=${BENCH_LEDGER_REV:-HEAD}
TODAY=${BENCH_TODAY:-2026-11-01}
SEED=${BENCH_SEED:-42}
REPEAT=${BENCH_REPEAT:-5}
BASE=b2b_bench_base
LEDGER="b2b_bench_$N"
RUN="b2b_bench_${N}_run"
LOGDIR="$DATA_DIR/logs"
OUT="$ROOT/bench/out"
WORKTREE_CONF="$CONF"
mkdir -p "$LOGDIR" "$OUT"

param() {  # param <db> <key>: an ir.config_parameter, empty when absent
    psql -X -d "$1" -tAc "select value from ir_config_parameter where key = '$2'" 2>/dev/null || true
}
set_param() {  # set_param <db> <key> <value>
    psql -X -q -d "$1" -c "delete from ir_config_parameter where key = '$2'" \
        -c "insert into ir_config_parameter (key, value) values ('$2', '$3')"
}
connected() {  # connected <db>: pids of the sessions on it
    psql -X -d postgres -tAc "select string_agg(pid::text, ' ') from pg_stat_activity where datname = '$1' and pid <> pg_backend_pid()"
}
addon_dir() {  # addon_dir <worktree|rev>: the folder holding that revision's addons
    [ "$1" = worktree ] && { echo "$ROOT"; return; }
    local sha dir
    sha=$(git -C "$ROOT" rev-parse --verify -q "$1^{commit}") || die "unknown git revision $1"
    dir="$DATA_DIR/bench/addon-${sha:0:12}"
    if [ ! -f "$dir/odoo.conf" ]; then
        rm -rf "$dir" && mkdir -p "$dir"
        # every addon of that revision (one before the split, five after)
        # shellcheck disable=SC2046
        git -C "$ROOT" archive "$sha" $(git -C "$ROOT" ls-tree --name-only "$sha" | grep '^b2b_collections') \
            | tar -x -C "$dir"
        # Same configuration, with the snapshot in place of the working tree.
        sed "/^addons_path/s#,$ROOT\$#,$dir#" "$WORKTREE_CONF" >"$dir/odoo.conf.tmp"
        grep -q "^addons_path.*,$dir\$" "$dir/odoo.conf.tmp" \
            || die "$WORKTREE_CONF: addons_path does not end with $ROOT"
        mv "$dir/odoo.conf.tmp" "$dir/odoo.conf"
    fi
    echo "$dir"
}
conf_for() {  # conf_for <worktree|rev>
    [ "$1" = worktree ] && echo "$WORKTREE_CONF" || echo "$(addon_dir "$1")/odoo.conf"
}
addon_hash() {  # addon_hash <worktree|rev>: the addons' code and data
    (cd "$(addon_dir "$1")" && find b2b_collections* -type f \
        \( -name '*.py' -o -name '*.xml' -o -name '*.csv' \) -not -path '*/tests/*' \
        | sort | xargs sha1sum | sha1sum | cut -c1-12)
}

# The base: b2b_collections without demo data, in a database without any demo.
ensure_base() {
    local hash
    hash=$(addon_hash "$LEDGER_REV")
    [ "$(param "$BASE" b2b.bench.addon)" = "$hash" ] && return 0
    say "building $BASE: b2b_collections ($LEDGER_REV) without demo data (about 30 s)"
    drop_db "$BASE"
    CONF=$(conf_for "$LEDGER_REV") odoo -d "$BASE" -i b2b_collections --without-demo=all \
        --stop-after-init --no-http --log-level=warn >"$LOGDIR/bench-base.log" 2>&1 \
        || { tail -30 "$LOGDIR/bench-base.log"; die "installing b2b_collections failed"; }
    set_param "$BASE" b2b.bench.addon "$hash"
}

# The ledger: generated once through the ORM into a copy of the base, then reused
# while it is complete.
if db_exists "$LEDGER" && [ -n "$(param "$LEDGER" b2b.bench.ledger)" ]; then
    say "reusing the ledger in $LEDGER"
else
    busy=$(connected "$LEDGER")
    if [ -n "$busy" ]; then
        die "$LEDGER is incomplete and in use (pids $busy): is a generation running? Wait for it or stop it."
    fi
    ensure_base
    say "generating $N invoices into $LEDGER through the ORM (~25 invoices/s: about $((N / 25 / 60 + 1)) min)"
    clone_db "$BASE" "$LEDGER"
    set +e
    "$PY" "$ROOT/bench/generate_ledger.py" -c "$(conf_for "$LEDGER_REV")" -d "$LEDGER" \
        --invoices "$N" --today "$TODAY" --seed "$SEED" 2>&1 | tee "$LOGDIR/bench-generate-$N.log"
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" = 0 ] && [ -n "$(param "$LEDGER" b2b.bench.ledger)" ] \
        || die "the generation failed (log: $LOGDIR/bench-generate-$N.log)"
fi

# The PostgreSQL server here runs with autovacuum off: without ANALYZE the planner has no statistics
# on the generated tables and picks plans a production database (autovacuum on) would
# not. Vacuum and analyze the ledger once; its clones inherit the statistics.
if [ "$(param "$LEDGER" b2b.bench.analyzed)" != 1 ]; then
    say "VACUUM (ANALYZE) of $LEDGER (planner statistics, as autovacuum would leave them)"
    psql -X -q -d "$LEDGER" -c "VACUUM (ANALYZE)"
    set_param "$LEDGER" b2b.bench.analyzed 1
fi

# A scratch clone per run (the measurements write: aging refresh), upgraded when the
# measured addon is not the one the ledger was generated with.
CONF=$(conf_for "$ADDON")
hash=$(addon_hash "$ADDON")
clone_db "$LEDGER" "$RUN"
if [ "$(param "$RUN" b2b.bench.addon)" != "$hash" ]; then
    say "upgrading b2b_collections in $RUN to the measured addon ($ADDON)"
    odoo -d "$RUN" -u b2b_collections --stop-after-init --no-http --log-level=warn \
        >"$LOGDIR/bench-upgrade.log" 2>&1 \
        || { tail -30 "$LOGDIR/bench-upgrade.log"; drop_db "$RUN"; die "upgrading b2b_collections failed"; }
    set_param "$RUN" b2b.bench.addon "$hash"
    psql -X -q -d "$RUN" -c "ANALYZE"
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
say "measuring $ADDON on $RUN ($REPEAT warm repetitions)"
set +e
"$PY" "$ROOT/bench/bench_worklist.py" -c "$CONF" -d "$RUN" --today "$TODAY" \
    --repeat "$REPEAT" --json "$OUT/bench-$N-$stamp.json" "$@" 2>&1 | tee "$OUT/bench-$N-$stamp.txt"
rc=${PIPESTATUS[0]}
set -e
[ "${BENCH_KEEP:-}" = 1 ] || drop_db "$RUN"
[ "$rc" = 0 ] || die "the benchmark failed (exit status $rc)"
say "results: $OUT/bench-$N-$stamp.txt"
