#!/usr/bin/env bash
# Prepare everything b2b_collections needs, idempotently:
#   1. the Odoo 18.0 source   ($ODOO_SRC, else the cached copy, else a download)
#   2. a Python virtualenv    (cached outside the clone, keyed by its requirements)
#   3. a reachable PostgreSQL (libpq defaults / PG* variables, else a private cluster)
#   4. the Odoo configuration file used by `make run` and `make test`
# It writes tools/.env (git-ignored), which the other scripts source.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${B2B_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/b2b_collections}
ODOO_URL=${ODOO_URL:-https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz}
PYTHON=${PYTHON:-python3}
mkdir -p "$CACHE"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------- system
need_cmd() {  # need_cmd <command> <debian package> <why>
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${B2B_NO_APT:-}" = "" ]; then
        say "installing $2 ($3)"
        { apt-get install -y -qq "$2" >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; }; } \
            || die "could not install '$2'; install it yourself: apt-get install $2"
        command -v "$1" >/dev/null 2>&1 && return 0
    fi
    die "'$1' is missing ($3). Install it, e.g. on Debian/Ubuntu: sudo apt-get install $2"
}
need_header() {  # need_header <header> <debian package>
    [ -e "/usr/include/$1" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${B2B_NO_APT:-}" = "" ]; then
        say "installing $2 (headers to build Odoo's requirements)"
        { apt-get install -y -qq "$2" >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; }; } \
            || die "could not install '$2'; install it yourself: apt-get install $2"
        [ -e "/usr/include/$1" ] && return 0
    fi
    die "/usr/include/$1 is missing. Install it, e.g. on Debian/Ubuntu: sudo apt-get install $2"
}

command -v "$PYTHON" >/dev/null || die "no '$PYTHON' found: install Python 3.10-3.12 (Odoo 18 supports them) or set PYTHON="
"$PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))' \
    || die "Odoo 18 needs Python 3.10 to 3.12; '$PYTHON' is $("$PYTHON" -V 2>&1). Set PYTHON=python3.11 (for example)."
need_cmd psql postgresql-client "PostgreSQL client"
need_cmd pg_config libpq-dev "PostgreSQL headers to build psycopg2"
need_header ldap.h libldap2-dev
need_header sasl/sasl.h libsasl2-dev
if [ "${B2B_NO_BROWSER:-}" = "" ]; then
    need_cmd chromium chromium "browser tests (tours) run in headless Chromium"
fi
need_cmd wkhtmltopdf wkhtmltopdf "Odoo renders PDF reports with it"

# ----------------------------------------------------------------- Odoo source
valid_odoo() { [ -f "$1/odoo-bin" ] && grep -q "version_info = (18, 0" "$1/odoo/release.py" 2>/dev/null; }
CACHED_SRC="$CACHE/odoo-18.0"
if [ -n "${ODOO_SRC:-}" ]; then
    valid_odoo "$ODOO_SRC" || die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 source tree (no odoo-bin or release.py says another version)"
    SRC=$(cd "$ODOO_SRC" && pwd)
    if ! valid_odoo "$CACHED_SRC"; then
        say "caching a copy of $SRC in $CACHED_SRC (reused when ODOO_SRC is unset)"
        rm -rf "$CACHED_SRC.tmp" && mkdir -p "$CACHED_SRC.tmp"
        (cd "$SRC" && tar -c --exclude=.git .) | tar -x -C "$CACHED_SRC.tmp"
        rm -rf "$CACHED_SRC" && mv "$CACHED_SRC.tmp" "$CACHED_SRC"
    fi
elif valid_odoo "$CACHED_SRC"; then
    SRC=$CACHED_SRC
else
    need_cmd curl curl "to download Odoo 18.0"
    say "downloading Odoo 18.0 from $ODOO_URL (set ODOO_SRC to use a local copy instead)"
    rm -rf "$CACHED_SRC.tmp" && mkdir -p "$CACHED_SRC.tmp"
    curl -fL --retry 3 "$ODOO_URL" | tar -xz --strip-components=1 -C "$CACHED_SRC.tmp" \
        || die "could not download Odoo 18.0. Get its source yourself and set ODOO_SRC=/path/to/odoo-18.0"
    valid_odoo "$CACHED_SRC.tmp" || die "the download is not an Odoo 18.0 tree; set ODOO_SRC=/path/to/odoo-18.0"
    rm -rf "$CACHED_SRC" && mv "$CACHED_SRC.tmp" "$CACHED_SRC"
    SRC=$CACHED_SRC
fi

# ------------------------------------------------------------------ virtualenv
# cbor2 5.4.2 (pinned by Odoo) does not build from source on current setuptools:
# its metadata says 0.0.0. 5.6.2 is API compatible.
REQS=$(sed -e 's/^cbor2==5\.4\.2.*/cbor2==5.6.2/' "$SRC/requirements.txt"; cat "$ROOT/requirements-dev.txt")
PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
KEY=$(printf '%s\n%s\n' "$PYVER" "$REQS" | sha1sum | cut -c1-10)
VENV="$CACHE/venv-py$PYVER-$KEY"
if [ ! -f "$VENV/.complete" ]; then
    say "creating the virtualenv $VENV (about a minute)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip wheel "setuptools<81"
    printf '%s\n' "$REQS" > "$VENV/requirements.txt"
    "$VENV/bin/pip" install -q -r "$VENV/requirements.txt" \
        || die "installing the Python requirements failed (see above). Missing system headers? libpq-dev libldap2-dev libsasl2-dev"
    touch "$VENV/.complete"
fi
# Odoo goes on the path (never pip-installed: that would write into its tree).
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$SRC" > "$SITE/odoo-src.pth"

LINT_VENV="$CACHE/lint-venv-$(sha1sum "$ROOT/requirements-lint.txt" | cut -c1-10)"
if [ ! -f "$LINT_VENV/.complete" ]; then
    say "creating the lint virtualenv $LINT_VENV"
    rm -rf "$LINT_VENV"
    "$PYTHON" -m venv "$LINT_VENV"
    "$LINT_VENV/bin/pip" install -q -r "$ROOT/requirements-lint.txt" || die "installing lint tools failed"
    touch "$LINT_VENV/.complete"
fi

# Prettier with its XML plugin (make lint checks the XML with it): installed from
# package.json/package-lock.json into the cache, keyed like the virtualenvs, and seen
# from the repository through a git-ignored node_modules link (prettier looks there
# for the plugin named in .prettierrc.yml).
need_cmd npm npm "the XML formatting check (prettier)"
NODE_DIR="$CACHE/node-$(cat "$ROOT/package.json" "$ROOT/package-lock.json" | sha1sum | cut -c1-10)"
if [ ! -f "$NODE_DIR/.complete" ]; then
    say "installing prettier into $NODE_DIR"
    rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
    cp "$ROOT/package.json" "$ROOT/package-lock.json" "$NODE_DIR/"
    (cd "$NODE_DIR" && npm ci --silent --no-audit --no-fund) || die "installing prettier (npm ci) failed"
    touch "$NODE_DIR/.complete"
fi
if [ -L "$ROOT/node_modules" ] || [ ! -e "$ROOT/node_modules" ]; then
    ln -sfn "$NODE_DIR/node_modules" "$ROOT/node_modules"
fi

# ----------------------------------------------------------------- PostgreSQL
PGPRIV="$ROOT/.pgdata"
pg_ok() { psql -X -d postgres -tAc 'select 1' >/dev/null 2>&1; }
if [ -f "$PGPRIV/PG_VERSION" ] && [ -S "$PGPRIV/.s.PGSQL.${PGPORT:-5432}" ]; then
    export PGHOST="$PGPRIV"
fi
if ! pg_ok; then
    BIN=$(pg_config --bindir 2>/dev/null || true)
    for d in "$BIN" /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { PGBIN=$d; break; }
    done
    [ -n "${PGBIN:-}" ] || die "no PostgreSQL server answers (PGHOST=${PGHOST:-<default>}) and no initdb/pg_ctl is installed to start a private one. Install the server (apt-get install postgresql) or point the PG* variables at one."
    [ "$(id -u)" = 0 ] && die "no PostgreSQL server answers, and a private cluster cannot be started as root. Start your server (e.g. pg_ctlcluster 15 main start) or point PGHOST/PGPORT/PGUSER at one."
    if [ ! -f "$PGPRIV/PG_VERSION" ]; then
        say "no PostgreSQL answers: creating a private cluster in .pgdata"
        "$PGBIN/initdb" -D "$PGPRIV" -U "$(id -un)" --auth=trust -E UTF8 >/dev/null
    fi
    say "starting the private PostgreSQL (stop it with: make stop)"
    "$PGBIN/pg_ctl" -D "$PGPRIV" -l "$PGPRIV/server.log" -w \
        -o "-k $PGPRIV -c listen_addresses='' -p ${PGPORT:-5432}" start >/dev/null
    export PGHOST="$PGPRIV"
    pg_ok || die "the private PostgreSQL did not start: see .pgdata/server.log"
fi
PGROLE=$(psql -X -d postgres -tAc 'select current_user')
[ "$PGROLE" = postgres ] && die "PostgreSQL connects as 'postgres', which Odoo refuses. Set PGUSER to another role (createuser -s \$(whoami))."
psql -X -d postgres -tAc "select rolcreatedb or rolsuper from pg_roles where rolname = current_user" | grep -q t \
    || die "PostgreSQL role '$PGROLE' may not create databases: ALTER ROLE \"$PGROLE\" CREATEDB"

# ---------------------------------------------------------------- .env + conf
DATA_DIR="$CACHE/data"
mkdir -p "$DATA_DIR"
cat > "$ROOT/tools/.env" <<ENV
ROOT='$ROOT'
CACHE='$CACHE'
ODOO_SRC='$SRC'
VENV='$VENV'
LINT_VENV='$LINT_VENV'
NODE_DIR='$NODE_DIR'
DATA_DIR='$DATA_DIR'
${PGHOST:+export PGHOST='$PGHOST'}
ENV
# Database access comes from libpq's defaults and the PG* variables: no db_* here.
cat > "$ROOT/tools/odoo.conf" <<CONF
[options]
addons_path = $SRC/odoo/addons,$SRC/addons,$ROOT
data_dir = $DATA_DIR
admin_passwd = admin
without_demo = False
list_db = True
CONF
say "ready: Odoo $SRC, Python $VENV, PostgreSQL role $PGROLE${PGHOST:+ at $PGHOST}"
