#!/usr/bin/env bash
# Make sure Debian's PostgreSQL 15 server and PostGIS 3 are present for the
# PostGIS store tests (tests/test_store_*.py start a throwaway cluster with
# initdb; see tests/pg_fixture.py). Installs them with apt-get when missing
# (root, or passwordless sudo); otherwise says exactly what to do.
# Never starts a server: the tests do, on 127.0.0.1 and a free port.
set -euo pipefail
PG_MAJOR="${PG_MAJOR:-15}"
BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
EXT="/usr/share/postgresql/${PG_MAJOR}/extension"
have() {
    [ -x "${BIN}/initdb" ] && [ -x "${BIN}/pg_ctl" ] && [ -x "${BIN}/postgres" ] \
        && ls "${EXT}"/postgis.control >/dev/null 2>&1
}
if have; then
    exit 0
fi
PKGS="postgresql-${PG_MAJOR} postgresql-${PG_MAJOR}-postgis-3"
echo "PostgreSQL ${PG_MAJOR} + PostGIS not found: installing ${PKGS} for the PostGIS store tests" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "error: PostgreSQL/PostGIS are missing and this user cannot run apt-get." >&2
        echo "       run: sudo apt-get install -y ${PKGS}" >&2
        echo "       or skip those tests: make test PYTEST_ARGS='-m \"not postgis\"'" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps out postgis-doc and friends. The default cluster
# postgresql-common may create is not used (nor started where there is no init).
$SUDO apt-get install -y -qq --no-install-recommends ${PKGS} >/dev/null
have
