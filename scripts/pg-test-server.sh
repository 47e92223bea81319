#!/usr/bin/env bash
# Start a throwaway PostgreSQL + PostGIS server on 127.0.0.1 and a free port,
# print its URL, and stop and delete it on Ctrl-C. For trying the PostGIS store
# by hand, e.g.
#   bash scripts/pg-test-server.sh &                      # prints postgresql://…
#   .venv/bin/tenglong migrate data/fuxing.gpkg 'postgresql://…/tenglong?schema=fuxing'
# The tests start their own server (tests/pg_fixture.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-postgres.sh
exec .venv/bin/python -m geo.store.testserver
