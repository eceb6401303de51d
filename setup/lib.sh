# Shared bootstrap for ./setup/run and ./setup/test (sourced, not run).
#
# Steps, each idempotent and each printed as it runs:
#   1. Debian packages (installed when root, otherwise the exact apt-get line is printed);
#   2. PostgreSQL: the server named by PGHOST/PGPORT/PGUSER/PGPASSWORD, or a local cluster;
#   3. Odoo source of the series ODOO_SERIES (19.0 unless told 18.0): $ODOO_SRC, else the cache,
#      else the official source archive of the series' pinned commit;
#   4. a virtualenv per series, cached under a key of the requirement files;
#   5. an Odoo configuration file for this checkout and series.
set -euo pipefail

ODOO_SERIES=${ODOO_SERIES:-19.0}
case "$ODOO_SERIES" in
    18.0|19.0) ;;
    *) printf '\nERROR: ODOO_SERIES=%s: this project serves Odoo 18.0 and 19.0\n' "$ODOO_SERIES" >&2; exit 1 ;;
esac
# The series' major number (18, 19): suffix of the databases, configurations and ports.
SERIES_MAJOR=${ODOO_SERIES%%.*}
export ODOO_SERIES

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SALES_FOLLOWUP_CACHE:-$HOME/.cache/sales_followup}
RUN_DIR="$REPO/.run"
ODOO_CONF="$RUN_DIR/${ODOO_CONF_NAME:-odoo}-$ODOO_SERIES.conf"
export ODOO_CONF
# Addons that exist for the tests only (never shipped, never in ./setup/run's database): in the
# addons path of a configuration written with WITH_TEST_ADDONS=1 (./setup/test's).
TEST_ADDONS_DIR="$REPO/test_addons"
# Each series from one pinned source: 18.0 FINAL, and 19.0 at upstream commit f1e68e1 (2025-11-14).
declare -A ODOO_ARCHIVES=(
    [18.0]=https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz
    [19.0]=https://github.com/odoo/odoo/archive/f1e68e16fbba124fd0b7fab4721b4ce8e61acb7b.tar.gz
)
ODOO_ARCHIVE_URL=${ODOO_ARCHIVE_URL:-${ODOO_ARCHIVES[$ODOO_SERIES]}}
# fonts-wqy-microhei: the PDF reports' font (Chinese that copies out of the PDF as printed);
# poppler-utils: pdftotext, which the report tests read the PDFs with.
SYSTEM_PACKAGES=(postgresql libpq-dev libldap2-dev libsasl2-dev wkhtmltopdf fonts-noto-cjk
                 fonts-wqy-microhei poppler-utils
                 build-essential python3-dev python3-venv git curl ca-certificates)
SYSTEM_PACKAGES+=(${EXTRA_SYSTEM_PACKAGES:-})

step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

# Run a command, showing its output only when it fails.
quiet() {
    local out
    if ! out=$("$@" 2>&1); then
        printf '%s\n' "$out" >&2
        return 1
    fi
}

ensure_system_packages() {
    step "System packages"
    local missing=() pkg
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        info "all present"
        return
    fi
    local line="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        die "missing Debian packages: ${missing[*]}. Run as root:  $line"
    fi
    info "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_postgres() {
    step "PostgreSQL"
    if [ -n "${PGHOST:-}" ]; then
        info "using the server given by PGHOST=$PGHOST PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-$(id -un)}"
        psql -d postgres -Atqc 'select 1' >/dev/null \
            || die "cannot connect to PostgreSQL at PGHOST=$PGHOST (check PGPORT/PGUSER/PGPASSWORD)"
        return
    fi
    local version cluster status
    if ! pg_lsclusters -h | grep -q .; then
        version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
        info "creating cluster $version/main"
        pg_createcluster "$version" main >/dev/null
    fi
    read -r version cluster _ status _ < <(pg_lsclusters -h | head -n 1)
    if [ "$status" != "online" ]; then
        info "starting cluster $version/$cluster"
        if [ "$(id -u)" -eq 0 ]; then
            pg_ctlcluster "$version" "$cluster" start
        else
            die "PostgreSQL cluster $version/$cluster is down. Run as root:  pg_ctlcluster $version $cluster start"
        fi
    fi
    local me
    me=$(id -un)
    if ! psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        if [ "$(id -u)" -eq 0 ]; then
            info "creating superuser role $me"
            su postgres -c "createuser -s $me" 2>/dev/null || true
        else
            die "no PostgreSQL role for $me. Run as root:  su postgres -c 'createuser -s $me'"
        fi
    fi
    psql -d postgres -Atqc 'select 1' >/dev/null || die "cannot connect to the local PostgreSQL cluster"
    info "cluster $version/$cluster online, role $me"
}

ensure_odoo_source() {
    step "Odoo $ODOO_SERIES source"
    local cached="$CACHE/odoo-$ODOO_SERIES"
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -f "$ODOO_SRC/odoo-bin" ] || die "ODOO_SRC=$ODOO_SRC has no odoo-bin"
    elif [ -f "$cached/odoo-bin" ]; then
        ODOO_SRC="$cached"
    else
        info "downloading $ODOO_ARCHIVE_URL"
        local tmp="$cached.partial"
        rm -rf "$tmp" && mkdir -p "$tmp"
        curl -fsSL "$ODOO_ARCHIVE_URL" | tar -xz -C "$tmp" --strip-components=1 \
            || die "could not download Odoo $ODOO_SERIES; set ODOO_SRC to an Odoo $ODOO_SERIES source tree"
        mv "$tmp" "$cached"
        ODOO_SRC="$cached"
    fi
    grep -q "version_info = ($SERIES_MAJOR, 0" "$ODOO_SRC/odoo/release.py" \
        || die "$ODOO_SRC is not Odoo $ODOO_SERIES"
    export ODOO_SRC
    info "$ODOO_SRC"
}

ensure_venv() {
    step "Python virtualenv"
    local key
    key=$( { python3 --version; cat "$ODOO_SRC/requirements.txt" "$REPO/requirements.txt" \
             "$REPO/setup/build-constraints.txt"; } | sha256sum | cut -c1-16)
    VENV="$CACHE/venv-$ODOO_SERIES-$key"
    if [ ! -f "$VENV/.complete" ]; then
        info "building $VENV (a few minutes, once)"
        rm -rf "$VENV"
        python3 -m venv "$VENV"
        quiet "$VENV/bin/pip" install -q --upgrade "pip>=25.3" wheel
        quiet "$VENV/bin/pip" install -q --build-constraint "$REPO/setup/build-constraints.txt" \
            -r "$ODOO_SRC/requirements.txt" -r "$REPO/requirements.txt"
        touch "$VENV/.complete"
        # This series' older environments (other requirement files) are of no use any more.
        find "$CACHE" -maxdepth 1 -name "venv-$ODOO_SERIES-*" ! -path "$VENV" -exec rm -rf {} +
        # Environments of the releases that served one series only (venv-<key>).
        find "$CACHE" -maxdepth 1 -regextype posix-extended -regex '.*/venv-[0-9a-f]+' -exec rm -rf {} +
    else
        info "cached: $VENV"
    fi
    # Odoo is used from its source tree (no copy in the venv): a .pth file points at it.
    local site
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$ODOO_SRC" > "$site/odoo_src.pth"
    PY="$VENV/bin/python"
    export VENV PY
}

write_odoo_conf() {
    step "Odoo configuration"
    mkdir -p "$RUN_DIR" "$CACHE/data"
    cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$REPO${WITH_TEST_ADDONS:+,$TEST_ADDONS_DIR}
data_dir = $CACHE/data
http_interface = 127.0.0.1
http_port = ${ODOO_HTTP_PORT:-8069}
list_db = True
CONF
    info "$ODOO_CONF"
}

odoo_bin() { "$PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"; }

# The names of the test-only addons (directories of $TEST_ADDONS_DIR with a manifest).
test_addons() {
    local manifest
    for manifest in "$TEST_ADDONS_DIR"/*/__manifest__.py; do
        [ -f "$manifest" ] && basename "$(dirname "$manifest")"
    done
    return 0
}

# Fail when Odoo left a module uninstalled or half-upgraded (odoo-bin exits 0 on such errors).
assert_installed() {
    local db=$1 module state
    shift
    for module in "$@"; do
        state=$(psql -d "$db" -Atqc "select state from ir_module_module where name = '$module'")
        [ "$state" = "installed" ] || die "$module is '${state:-missing}' in database $db; see the Odoo log above"
    done
}

# Odoo 19.0 loads demo data only when asked (--with-demo); 18.0 loads it unless told not to
# (--without-demo=all, which 19.0 no longer takes).
demo_option() { [ "$SERIES_MAJOR" -ge 19 ] && echo --with-demo || true; }
no_demo_option() { [ "$SERIES_MAJOR" -ge 19 ] || echo --without-demo=all; }

# Refuse a database made by the other series (Odoo cannot load it; upgrading it is a migration).
assert_series() {
    local db=$1 version
    version=$(psql -d "$db" -Atqc "select latest_version from ir_module_module where name = 'base'" 2>/dev/null || true)
    [ -z "$version" ] || [[ "$version" == "$ODOO_SERIES".* ]] \
        || die "database $db is an Odoo ${version%.*.*} database, not $ODOO_SERIES: choose another with SALES_FOLLOWUP_DB or set ODOO_SERIES"
}

db_exists() { psql -d postgres -Atqc "select 1 from pg_database where datname = '$1'" | grep -q 1; }

bootstrap() {
    ensure_system_packages
    ensure_postgres
    ensure_odoo_source
    ensure_venv
    write_odoo_conf
}

# The Python side only, for commands that need neither PostgreSQL nor an Odoo configuration
# (./setup/wheels): the Debian packages the virtualenv is built with, Odoo's source (its
# requirements are part of the virtualenv's key) and the virtualenv.
bootstrap_python() {
    ensure_system_packages
    ensure_odoo_source
    ensure_venv
}
